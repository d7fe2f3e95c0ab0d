/** Vite: `import url from './file.js?url'` gives the URL of the file emitted as an asset (same origin). */
declare module '*?url&no-inline' {
  const url: string;
  export default url;
}
