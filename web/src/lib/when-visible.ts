import type { Attachment } from 'svelte/attachments';

/**
 * Calls `callback` whenever the element comes near the viewport (`{@attach whenVisible(f)}`):
 * a "Show more" button that also loads the next page as the reader scrolls down to it.
 */
export function whenVisible(callback: () => void, margin = '300px'): Attachment<HTMLElement> {
  return (node) => {
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) callback();
      },
      { rootMargin: margin },
    );
    observer.observe(node);
    return () => observer.disconnect();
  };
}
