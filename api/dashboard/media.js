// Media: the library arrives with issue 5 (api/routes/media.ts). Until that route exists this view says so
// instead of failing; once it answers, the items are listed.
import { ApiError, get } from './api.js';
import { fill, h } from './dom.js';

export function mediaView(section) {
  const body = h('div', {});
  section.append(body);

  async function refresh() {
    let answer;
    try {
      answer = await get('/api/media');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return fill(body, h('p', { class: 'muted note' }, 'Media arrives with issue 5: photos and videos, their order and the main photo, per platform.'));
      throw error;
    }
    const items = Array.isArray(answer) ? answer : (answer?.items ?? []);
    fill(body, items.length === 0 ? h('p', { class: 'muted' }, 'No media yet.') : h('ul', { class: 'media' }, items.map((item) => h('li', {}, item.fileName ?? item.filename ?? item.title ?? item.id))));
  }

  return { refresh };
}
