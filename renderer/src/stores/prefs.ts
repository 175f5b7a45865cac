import { create } from 'zustand';

export type Lang = 'en' | 'zh';
export type Theme = 'dark' | 'light' | 'system';

interface Prefs {
  lang: Lang;
  theme: Theme;
  setLang(l: Lang): void;
  setTheme(t: Theme): void;
}

const KEY = 'onair.prefs';

function load(): Pick<Prefs, 'lang' | 'theme'> {
  const fallback: Pick<Prefs, 'lang' | 'theme'> = {
    lang: typeof navigator !== 'undefined' && navigator.language?.toLowerCase().startsWith('zh') ? 'zh' : 'en',
    theme: 'system',
  };
  try {
    const v = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
    return {
      lang: v.lang === 'en' || v.lang === 'zh' ? v.lang : fallback.lang,
      theme: v.theme === 'dark' || v.theme === 'light' || v.theme === 'system' ? v.theme : fallback.theme,
    };
  } catch {
    return fallback;
  }
}

function save(p: Pick<Prefs, 'lang' | 'theme'>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(p));
  } catch {}
}

/** Language and theme, remembered in localStorage. */
export const usePrefs = create<Prefs>()((set, get) => ({
  ...load(),
  setLang(lang) {
    set({ lang });
    save({ lang, theme: get().theme });
  },
  setTheme(theme) {
    set({ theme });
    save({ lang: get().lang, theme });
  },
}));
