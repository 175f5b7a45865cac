import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app';
import { createDefaultClient, setClient } from './client/client';
import { wireStores } from './stores/wire';
import './styles.css';
import './styles-media.css';
import './styles-rooms.css';

const client = createDefaultClient();
setClient(client);
wireStores(client);
client.start();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
