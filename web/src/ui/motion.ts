// prefers-reduced-motion for script-driven motion (CSS covers the rest: ui/a11y.css).

/** 'auto' (jump) when the reader asked for reduced motion, else 'smooth'. */
export function scrollBehavior(): ScrollBehavior {
  return typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
}
