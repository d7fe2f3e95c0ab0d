/**
 * The replay's chapters (issue 22): from `/s/<id>/chapters.json` (Podcasting 2.0 JSON chapters:
 * the producer's markers with the titles the host gave them, and speaker changes). A click plays
 * from that chapter; the current one is marked; `#t=<seconds>` in the address (the feed's show
 * notes link there) starts the replay at that moment.
 */
export function mountChapters(replay: HTMLElement, spaceId: string, audio: HTMLAudioElement, before: HTMLElement): void {
  const list = document.createElement('ol');
  list.id = 'replay-chapters';
  list.className = 'replay-chapters';
  list.setAttribute('aria-label', 'Chapters');
  list.hidden = true;
  replay.insertBefore(list, before);
  const fmt = (s: number): string => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;
  let items: { el: HTMLButtonElement; start: number }[] = [];

  const jump = (s: number): void => {
    audio.currentTime = s;
    void audio.play();
  };
  void fetch(`/s/${spaceId}/chapters.json`)
    .then((r) => (r.ok ? (r.json() as Promise<{ chapters: { startTime: number; title: string }[] }>) : { chapters: [] }))
    .then(({ chapters }) => {
      items = chapters.map((c) => {
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'chapter';
        b.dataset.startTime = String(c.startTime);
        const at = document.createElement('span');
        at.className = 'at';
        at.textContent = fmt(c.startTime);
        b.append(at, ` ${c.title}`);
        b.setAttribute('aria-label', `Chapter ${c.title} at ${fmt(c.startTime)}`);
        b.addEventListener('click', () => jump(c.startTime));
        li.append(b);
        list.append(li);
        return { el: b, start: c.startTime };
      });
      list.hidden = items.length === 0;
    })
    .catch(() => undefined);

  audio.addEventListener('timeupdate', () => {
    let current: HTMLButtonElement | null = null;
    for (const i of items) if (i.start <= audio.currentTime + 0.05) current = i.el;
    for (const i of items) {
      if (i.el === current) i.el.setAttribute('aria-current', 'true');
      else i.el.removeAttribute('aria-current');
    }
  });

  const fromHash = (): void => {
    const t = /(?:^#|&)t=(\d+(?:\.\d+)?)/.exec(location.hash)?.[1];
    if (t === undefined) return;
    if (audio.readyState >= 1) audio.currentTime = Number(t);
    else audio.addEventListener('loadedmetadata', () => (audio.currentTime = Number(t)), { once: true });
  };
  fromHash();
  addEventListener('hashchange', fromHash);
}
