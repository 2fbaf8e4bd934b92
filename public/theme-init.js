// Applies the page's stored colour theme (light / dark; none = the system's) before
// the first paint, so a dark page never flashes white. A classic script from the
// same origin: it runs under the page's CSP (script-src 'self'), unlike an inline one.
// The toggle that stores the choice is web/src/app/theme.ts (key and values there).
(function () {
  try {
    var theme = localStorage.getItem('cnnlab-theme');
    if (theme === 'light' || theme === 'dark') document.documentElement.setAttribute('data-theme', theme);
  } catch (e) {
    // storage blocked: the system's theme
  }
})();
