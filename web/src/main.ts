/**
 * Entry point: read the runtime /config.json (no URLs are compiled in), then mount the app with Pinia.
 * A missing or malformed config shows a plain message (in the browser's language) instead of a blank page.
 */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { i18n, t } from './i18n';
import { loadConfig } from './lib/config';
import { shownOf } from './lib/keyed';
import './styles.css';

async function boot(): Promise<void> {
  const root = document.getElementById('app')!;
  let config;
  try {
    config = await loadConfig();
  } catch (err) {
    root.textContent = '';
    const box = document.createElement('div');
    box.className = 'boot-error';
    box.setAttribute('role', 'alert');
    const h = document.createElement('h1');
    h.textContent = t('boot.title');
    const p = document.createElement('p');
    // The reason in the active locale (lib/config.ts's ConfigError carries its key); any other failure, a generic one.
    const why = shownOf(err, 'bootErrors.unknown');
    p.textContent = t('boot.body', { reason: t(why.key, why.params ?? {}) });
    box.append(h, p);
    root.append(box);
    return;
  }
  const pinia = createPinia();
  createApp(App, { config, pinia }).use(pinia).use(i18n).mount(root);
}

void boot();
