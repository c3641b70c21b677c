// Every test of loader.test.js again, on the loader as it is served: dist/widget/loader.js,
// bundled and minified by scripts/build-web.mjs. Minifying must not change what a page sees.
process.env.PARLEY_LOADER = 'dist';
await import('./loader.test.js');
