// The confusion matrix as a table of buttons: rows are true labels, columns predictions; a cell's
// shade is its share of the row, and clicking it selects those images.
export function ConfusionTable(props: {
  labels: string[];
  confusion: number[][];
  selected?: [string, string];
  onSelect(trueLabel: string, predicted: string): void;
}) {
  const { labels, confusion, selected } = props;
  return (
    <table class="confusion">
      <thead>
        <tr>
          <th class="confusion-corner">true ↓ · predicted →</th>
          {labels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {labels.map((t, i) => {
          const row = confusion[i] ?? [];
          const total = row.reduce((a, b) => a + b, 0);
          return (
            <tr key={t}>
              <th scope="row">{t}</th>
              {labels.map((p, j) => {
                const n = row[j] ?? 0;
                const share = total > 0 ? n / total : 0;
                const hue = i === j ? '26, 127, 55' : '207, 34, 46';
                const isSelected = selected?.[0] === t && selected[1] === p;
                return (
                  <td key={p}>
                    <button
                      type="button"
                      data-testid={`confusion-cell-${t}-${p}`}
                      class={isSelected ? 'selected' : ''}
                      style={{
                        background: n > 0 ? `rgba(${hue}, ${0.1 + 0.6 * share})` : undefined,
                      }}
                      disabled={n === 0}
                      title={`${n} image${n === 1 ? '' : 's'} of ${t} predicted as ${p}`}
                      onClick={() => props.onSelect(t, p)}
                    >
                      {n}
                    </button>
                  </td>
                );
              })}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
