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
document.getElementById('embed')!.append(element);
