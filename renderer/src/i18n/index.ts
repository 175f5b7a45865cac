import { usePrefs, type Lang } from '../stores/prefs';
import { en, type MessageKey } from './en';
import { zh } from './zh';

export type { MessageKey };

const dicts: Record<Lang, Record<MessageKey, string>> = { en, zh };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translate(lang: Lang, key: MessageKey, vars?: Record<string, string | number>): string {
  const s = dicts[lang][key] ?? en[key];
  return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
}

/** The translate function for the current language; re-renders when the language changes. */
export function useT(): Translate {
  const lang = usePrefs((s) => s.lang);
  return (key, vars) => translate(lang, key, vars);
}

export const LANGS: Array<{ id: Lang; label: string }> = [
  { id: 'en', label: 'English' },
  { id: 'zh', label: '简体中文' },
];
