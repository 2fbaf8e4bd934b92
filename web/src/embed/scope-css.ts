// The page's style sheets, rewritten for a shadow root. Pure.
//   :root[data-theme='x']    → .cnnlab-root[data-theme='x'] (the theme, set by the element)
//   :root                    → :host, .cnnlab-root (the custom properties: declared again on
//                              the element's top <div>, so that the colour tokens resolve
//                              there, under its theme — the build turns light-dark() into
//                              var() pairs, which resolve where they are declared)
//   html, body               → :host (the base font)
//   body[data-state='x']     → :host([data-state='x'])
//   @media (max-width: …)    → @container cnnlab (max-width: …): the layout follows
//                              the element's width, not the window's, so a demo
//                              in a narrow column of a wide page stacks its panels.
export function scopeCss(css: string): string {
  return css
    .replace(/:root\[data-theme=/g, '.cnnlab-root[data-theme=')
    .replace(/:root\b/g, ':host, .cnnlab-root')
    .replace(/\bbody\[([^\]]+)\]/g, ':host([$1])')
    .replace(/(^|[}\s,;])(html|body)(?=\s*[{,])/g, '$1:host')
    .replace(/@media\s*\(\s*max-width\s*:/g, '@container cnnlab (max-width:');
}

const FONT_FACE = /@font-face\s*\{[^}]*\}/g;

/** The sheet without its @font-face rules (a shadow root ignores them). */
export function withoutFontFaces(css: string): string {
  return css.replace(FONT_FACE, '');
}

/** Only the @font-face rules, for the document (their url()s are absolute in the build). */
export function fontFaces(css: string): string {
  return (css.match(FONT_FACE) ?? []).join('\n');
}
