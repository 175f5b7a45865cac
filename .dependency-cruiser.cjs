/* global module */
/**
 * The house plan's arrows (../shared/ARCHITECTURE.md, "Rules that keep it livable"), checked by
 * `npm run lint`: api → features → shared services → leaves; core never reaches up into the shell.
 *
 * Type-only imports (`import type`) are seen (tsPreCompilationDeps) and obey every room rule, because a type
 * is coupling too; they are left out of the cycle rule only, because they vanish at run time and cannot
 * make a module see another half-initialised (a Stream type in a player, a Player type in a Stream).
 */
const FEATURES = ['rtmp', 'flv', 'hls', 'record', 'jobs', 'relay', 'ladder', 'rooms', 'health', 'slate', 'storage', 'cluster'];
const SHARED = ['media', 'http', 'auth', 'ffmpeg', 'store', 'net'];
const any = (rooms) => `^core/(${rooms.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A runtime import cycle: modules that load each other half-initialised. Cut it with a seam in a lower room.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'leaf-format',
      severity: 'error',
      comment: 'core/format is pure byte codecs: it imports only itself (and errors.ts for OnAirError).',
      from: { path: '^core/format/' },
      to: { path: '^(core|electron|renderer)/', pathNot: ['^core/format/', '^core/errors\\.ts$'] },
    },
    {
      name: 'leaf-contract',
      severity: 'error',
      comment: 'core/contract is the shapes every side shares: it imports no other room.',
      from: { path: '^core/contract/' },
      to: { path: '^(core|electron|renderer)/', pathNot: '^core/contract/' },
    },
    {
      name: 'shared-not-up',
      severity: 'error',
      comment: 'A shared service (media, http, auth, ffmpeg, store, net) never imports a feature, core/api or the composition root.',
      from: { path: any(SHARED) },
      to: { path: [any(FEATURES), '^core/api/', '^core/studio\\.ts$'] },
    },
    {
      name: 'features-not-sideways',
      severity: 'error',
      comment: 'Features meet in core/media (a Stream) or through contract events, never by importing each other.',
      from: { path: any(FEATURES.filter((f) => f !== 'relay' && f !== 'cluster')) },
      to: { path: any(FEATURES), pathNot: '^core/$1/' },
    },
    {
      name: 'relay-only-to-rtmp',
      severity: 'error',
      comment: "The one sideways arrow: relay may use rtmp's client; no other feature.",
      from: { path: '^core/relay/' },
      to: { path: any(FEATURES), pathNot: '^core/(relay|rtmp)/' },
    },
    {
      name: 'cluster-only-to-relay-ingest',
      severity: 'error',
      comment: "An edge pulls with the relays' RTMP ingest (the one publish path for a pulled stream); nothing else sideways.",
      from: { path: '^core/cluster/' },
      to: { path: any(FEATURES), pathNot: '^core/(cluster/|relay/relay-ingest\\.ts$)' },
    },
    {
      name: 'features-not-up',
      severity: 'error',
      comment: 'Features are registered by core/studio.ts and served by core/api; they import neither.',
      from: { path: any(FEATURES) },
      to: { path: ['^core/api/', '^core/studio\\.ts$'] },
    },
    {
      name: 'core-not-shell',
      severity: 'error',
      comment: 'core runs headless: it never imports electron, react or the renderer.',
      from: { path: '^core/' },
      to: { path: ['^electron/', '^renderer/', '(^|/)node_modules/(electron|react|react-dom|zustand)/'] },
    },
    {
      name: 'renderer-only-contract',
      severity: 'error',
      comment: 'The renderer talks through the contract: from core it imports core/contract only.',
      from: { path: '^renderer/' },
      to: { path: '^core/', pathNot: '^core/contract/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['(^|/)dist/', '^test-output/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
