// The report's stylesheet (inlined): a light page of cards, laid out for 1280 × 800 and narrower
// screens. Text colours come from the palette, whose contrast the tests check.
import { ALERT, CARD, GRID, INK, MUTED, PAGE } from "./_palette.ts";

/** The CSS of the report. */
export const REPORT_CSS = `
*{box-sizing:border-box}
html{background:${PAGE};color:${INK}}
body{margin:0;font:14px/1.4 "DejaVu Sans","Liberation Sans",system-ui,sans-serif}
main{max-width:1280px;margin:0 auto;padding:12px 20px 24px}
header{display:flex;align-items:baseline;gap:16px;margin:0 0 8px}
h1{font-size:20px;margin:0}
h2{font-size:15px;margin:0 0 6px}
.sub,.muted{color:${MUTED}}
.card{background:${CARD};border:1px solid ${GRID};border-radius:8px;padding:10px 14px;margin:0 0 12px}
.tiles{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0 0 4px}
.tile{display:flex;flex-direction:column}
.tile .k{font-size:12px;color:${MUTED}}
.tile .v{font-size:18px;font-weight:700}
.reason{margin:2px 0 0}
.grid{display:grid;grid-template-columns:minmax(0,1fr) 460px;gap:12px;align-items:start;margin:0 0 12px}
.grid>.card,.grid .card{margin:0}
.side{display:flex;flex-direction:column;gap:12px}
svg.chart{display:block;height:auto}
svg text{font-family:"DejaVu Sans","Liberation Sans",system-ui,sans-serif}
svg .tick{font-size:12px}
svg .axis-title{font-size:13px}
svg .legend,svg .note,svg .value,svg .label{font-size:12px}
svg .legend-heading,svg .strong,svg .annotation{font-size:12.5px;font-weight:700}
table{border-collapse:collapse;width:100%;font-size:12.5px}
caption{text-align:left;color:${MUTED};font-size:12px;padding:0 0 4px}
th,td{text-align:left;padding:3px 8px 3px 0;border-bottom:1px solid ${GRID};vertical-align:top}
th[scope=row]{font-weight:400;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap;padding-right:14px}
code{font:12px "DejaVu Sans Mono","Liberation Mono",monospace;overflow-wrap:anywhere}
.warnings{margin:6px 0 0;padding-left:18px;color:${ALERT}}
.alert{color:${ALERT};font-weight:700}
details{margin:8px 0 0}
summary{cursor:pointer;font-weight:700}
details table{margin-top:6px}
footer{color:${MUTED};font-size:12px}
@media (max-width:1100px){.grid{grid-template-columns:minmax(0,1fr)}}
`.trim();
