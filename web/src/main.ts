import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { ownActions, recordAnnounced } from './lib/ownActions';

// Every write this tab makes is its own action, for Ctrl+Z in the grid.
recordAnnounced(ownActions);

const target = document.getElementById('app');
if (!target) {
  throw new Error('index.html has no element with id "app" to mount Strata into');
}

export default mount(App, { target });
