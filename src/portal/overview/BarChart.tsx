import { useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { t } from "../i18n.ts";

/** One bar: its label, its value, and the text written after it. */
export interface Bar {
  label: string;
  value: number;
  text: string;
}

const WIDTH = 320;
const ROW = 44;
const BAR = 16;
// Room after the longest bar for its figures.
const TEXT_ROOM = 96;

/**
 * A horizontal bar chart drawn in SVG, named by `title` and described by `description`, with its figures as a table
 * (`table`) that a button shows and hides: the table is the text alternative of the chart.
 */
export function BarChart(props: { id: string; title: string; description: string; bars: Bar[]; table: ComponentChildren }) {
  const [tableShown, setTableShown] = useState(false);
  const max = Math.max(1, ...props.bars.map((b) => b.value));
  const height = props.bars.length * ROW;
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        role="img"
        aria-labelledby={`${props.id}-title`}
        aria-describedby={`${props.id}-desc`}
        preserveAspectRatio="xMinYMin meet"
      >
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>{props.description}</desc>
        {props.bars.map((bar, i) => {
          const y = i * ROW;
          const length = Math.round(((WIDTH - TEXT_ROOM) * bar.value) / max);
          return (
            <g key={bar.label} aria-hidden="true">
              <text x="0" y={y + 14} class="chart-label">
                {bar.label}
              </text>
              <rect x="0" y={y + 20} width={Math.max(length, 2)} height={BAR} rx="3" class="chart-bar" />
              <text x={Math.max(length, 2) + 6} y={y + 33} class="chart-value">
                {bar.text}
              </text>
            </g>
          );
        })}
      </svg>
      <button
        type="button"
        class="secondary"
        aria-expanded={tableShown}
        aria-controls={`${props.id}-table`}
        // The visible words start the name, and the chart's title tells the three buttons of the screen apart.
        aria-label={`${tableShown ? t.hideTable : t.showTable}: ${props.title}`}
        onClick={() => setTableShown(!tableShown)}
      >
        {tableShown ? t.hideTable : t.showTable}
      </button>
      {/* Narrow screens scroll the table, not the page; the region can take focus to scroll by keyboard. */}
      <div id={`${props.id}-table`} class="table-scroll" role="region" aria-label={props.title} tabIndex={0} hidden={!tableShown}>
        {props.table}
      </div>
    </figure>
  );
}
