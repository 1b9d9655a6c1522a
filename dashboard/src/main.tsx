import 'primeicons/primeicons.css';
import './styles/app.css';
import { PrimeReactProvider } from 'primereact/api';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { applyTheme } from './app/theme';

void applyTheme();

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <PrimeReactProvider value={{ ripple: false }}>
      <App />
    </PrimeReactProvider>
  </StrictMode>,
);
