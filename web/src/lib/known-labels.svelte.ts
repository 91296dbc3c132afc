import { errorMessage, getLabels } from './api/client';

// The labels of the inventory, for the label filter's chips: GET /labels, read once per page load
// (they change only when the configuration does).

class KnownLabels {
  labels: string[] = $state([]);
  error = $state('');
  private loading: Promise<void> | null = null;

  /** Loads once; later calls return the same promise. */
  load(): Promise<void> {
    this.loading ??= this.fetch();
    return this.loading;
  }

  private async fetch(): Promise<void> {
    try {
      const { labels } = await getLabels();
      this.labels = labels.map((l) => l.label).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      this.error = '';
    } catch (err) {
      this.error = errorMessage(err);
      this.loading = null; // the next fleet screen tries again
    }
  }
}

export const knownLabels = new KnownLabels();

/** `env=prod` → key `env`, value `prod`; a label without `=` is all key. */
export function splitLabel(label: string): { key: string; value: string } {
  const i = label.indexOf('=');
  return i === -1 ? { key: label, value: '' } : { key: label.slice(0, i), value: label.slice(i + 1) };
}

/** Labels grouped by key, keys and values in order. */
export function groupLabels(labels: readonly string[]): { key: string; labels: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const label of labels) {
    const { key } = splitLabel(label);
    const group = groups.get(key) ?? [];
    group.push(label);
    groups.set(key, group);
  }
  return [...groups].map(([key, group]) => ({ key, labels: group }));
}
