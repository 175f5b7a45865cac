import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NodeIdSchema } from '../scale-config';

/**
 * This node's id: `cluster.node_id`, else a random id kept in <data_dir>/node-id so a restart comes back as the
 * same node (its old registration simply expires or is overwritten).
 */
export function resolveNodeId(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'node-id');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (NodeIdSchema.safeParse(kept).success) return kept;
  } catch {
    // first start: made below
  }
  const id = `node-${randomBytes(5).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
