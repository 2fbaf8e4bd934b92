// embed.html: one <cnn-lab> filling the frame, its options from the query string
// (embed.html?panels=draw,network&seed=3&autoplay), for course pages that use an iframe.
import './embed-page.css';
import './cnn-lab';
import { OPTION_NAMES } from './options';

const query = new URLSearchParams(location.search);
const element = document.createElement('cnn-lab');
for (const name of OPTION_NAMES) {
  const value = query.get(name);
  if (value !== null) element.setAttribute(name, value);
}
// ?theme=light|dark forces the colours (else the system's), for the frame and the element.
const theme = query.get('theme');
if (theme === 'light' || theme === 'dark') {
  element.setAttribute('theme', theme);
  document.documentElement.dataset['theme'] = theme;
}
document.getElementById('embed')!.append(element);

// In an iframe, tell the parent page our content height ({type: 'cnnlab:height',
// height}), so a one-line listener there can size the frame (README, "An iframe").
// Measured from the content, not the viewport, so it shrinks as well as grows.
if (window.parent !== window) {
  const host = document.getElementById('embed')!;
  let last = 0;
  let queued = false;
  const post = () => {
    queued = false;
    const height = Math.ceil(host.getBoundingClientRect().height);
    if (height > 0 && height !== last) {
      last = height;
      window.parent.postMessage({ type: 'cnnlab:height', height }, '*');
    }
  };
  new ResizeObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(post);
    }
  }).observe(host);
}
