/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  // Svelte 5 strips `<script lang="ts">` types itself, so no preprocessor is
  // needed. Runes are on everywhere: no component falls back to Svelte 4 syntax.
  compilerOptions: { runes: true },
};
