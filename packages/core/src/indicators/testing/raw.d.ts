// Vite (vitest) serves any file as text with `?raw`: fixtures load without node:fs, so the
// tests stay as platform-free as the code they test.
declare module '*?raw' {
  const text: string;
  export default text;
}
