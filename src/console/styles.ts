/** The console's stylesheet, served from /console/assets/console.css (no inline styles: strict CSP). */
const HEAT = Array.from({ length: 11 }, (_, i) => {
  // Occupancy: green (empty) through amber to red (full).
  const hue = Math.round(140 - i * 14);
  return `.heat-${i}{background:hsl(${hue} 62% ${58 - i * 1.5}%)}`;
}).join('\n');

const FIT = Array.from({ length: 11 }, (_, i) => `.fit-${i}{background:hsl(212 ${20 + i * 6}% ${88 - i * 4.6}%)}`).join('\n');

export const CSS = `
:root{--ink:#1c2430;--muted:#5d6b7c;--line:#dfe4ea;--bg:#f6f8fa;--card:#fff;--accent:#2458d6;--ok:#17803d;--bad:#c0262d;--warn:#b7791f;--a:#6b7b93;--b:#2458d6}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;align-items:center;gap:24px;padding:10px 24px;background:#101b2d;color:#e8eef7}
header.top .brand{color:#fff;font-weight:700;font-size:16px;letter-spacing:.2px}
header.top .brand span{font-weight:400;color:#8fb0ff}
header.top nav{display:flex;gap:4px;flex:1}
header.top nav a{color:#c7d3e6;padding:6px 10px;border-radius:6px;white-space:nowrap}
header.top nav a.active,header.top nav a:hover{background:#22324d;color:#fff;text-decoration:none}
header.top .who{display:flex;align-items:center;gap:10px;margin:0;color:#c7d3e6}
header.top .who em{font-style:normal;color:#8fb0ff}
button.link{background:none;border:1px solid #3a4d6d;color:#e8eef7;border-radius:6px;padding:4px 10px;cursor:pointer}
main{max-width:1280px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:6px 0 16px}
h2{font-size:16px;margin:0}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 18px;margin:0 0 18px}
.section-head{display:flex;align-items:center;justify-content:space-between;gap:12px;margin-bottom:12px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.4px}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tfoot td{font-weight:600;border-bottom:none}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}
.token{display:inline-block;max-width:360px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom}
.notice{padding:10px 12px;border-radius:8px;background:#eef3fb;border:1px solid #cfdcf3;margin:0 0 12px}
.notice.error{background:#fdeeee;border-color:#f3c9cb;color:#7d1a1f}
.notice.ok{background:#ebf7ef;border-color:#bfe3cb;color:#135e2e}
.badge{display:inline-block;white-space:nowrap;padding:1px 8px;border-radius:999px;font-size:12px;background:#eef1f5;color:var(--muted)}
.badge.ok{background:#e3f4e9;color:var(--ok)}.badge.bad{background:#fbe5e6;color:var(--bad)}.badge.warn{background:#fbf1dd;color:var(--warn)}
ul.reasons{margin:0;padding-left:18px;color:var(--muted)}
form.inline{display:inline}
label{display:block;font-weight:600;margin:8px 0 4px}
input[type=number]{font:inherit;padding:5px 7px;border:1px solid #c5cdd8;border-radius:6px;width:110px;background:#fff}
table.steps{width:auto}
textarea{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;width:100%;padding:7px 9px;border:1px solid #c5cdd8;border-radius:6px;background:#fff}
a.button{display:inline-block;font:inherit;background:#fff;color:var(--accent);border:1px solid var(--accent);border-radius:6px;padding:5px 10px}
label.check{display:flex;gap:6px;align-items:center;font-weight:400;margin:0 0 8px}
.grid-inventory{display:grid;grid-template-columns:360px minmax(0,1fr);gap:18px;align-items:start}.grid-inventory>section{overflow-x:auto}
ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:14px}ul.tree{padding-left:0}
ul.tree li{margin:3px 0}ul.tree summary{cursor:pointer}ul.tree li.selected>a{font-weight:700}
figure.bars{margin:0}figure.bars>svg{width:100%;height:auto}figure.bars text{font-size:11px;fill:#5d6b7c}figure.bars .axis{stroke:#dfe4ea}
figcaption.legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin-top:6px}svg.swatch{width:12px;height:12px;vertical-align:-1px;margin-right:5px}
.pager{display:flex;gap:16px;margin:10px 0 0}
.props{font-size:12px;color:var(--muted);max-width:420px}
table.steps td{padding:3px 10px}
input[type=text],input[type=password],select{font:inherit;padding:7px 9px;border:1px solid #c5cdd8;border-radius:6px;min-width:260px;background:#fff}
button.primary{font:inherit;background:var(--accent);color:#fff;border:0;border-radius:6px;padding:8px 14px;cursor:pointer}
button.secondary{font:inherit;background:#fff;color:var(--accent);border:1px solid var(--accent);border-radius:6px;padding:5px 10px;cursor:pointer}
.signin{max-width:440px;margin:60px auto}
.signin p{color:var(--muted)}
.controls{display:flex;gap:10px;align-items:end;flex-wrap:wrap}
.controls label{margin:0 0 4px}
.muted{color:var(--muted)}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
.sites{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:10px 28px}
.site{margin-bottom:14px}
.site h3{margin:4px 0 8px;font-size:14px}
.row{display:flex;align-items:center;gap:8px;margin:3px 0}
.row .label{width:120px;color:var(--muted);font-size:12px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.racks{display:flex;flex-wrap:wrap;gap:3px}
.rack{width:30px;height:30px;border-radius:4px;display:flex;align-items:center;justify-content:center;font-size:11px;color:#0d1420;border:1px solid rgb(0 0 0 / 8%)}
.rack.data{box-shadow:inset 0 0 0 2px #101b2d}
.rack.empty{background:#eceff3;color:#9aa5b4}
.legend{display:flex;gap:4px;align-items:center;font-size:12px;color:var(--muted)}
.legend .rack{width:18px;height:14px}
${HEAT}
${FIT}
.timeline{list-style:none;margin:0;padding:0;border-left:2px solid var(--line)}
.timeline li{margin:0 0 10px 0;padding-left:14px;position:relative}
.timeline li::before{content:"";position:absolute;left:-6px;top:5px;width:10px;height:10px;border-radius:50%;background:var(--accent)}
.timeline li .at{color:var(--muted);font-size:12px}
.progress{height:10px;background:#e8edf3;border-radius:999px;overflow:hidden}
.progress>div{height:100%;background:var(--accent)}
svg.chart{width:100%;height:auto;background:#fbfcfe;border:1px solid var(--line);border-radius:8px}
svg.chart .axis{stroke:#c9d1dc;stroke-width:1}
svg.chart text{font-size:11px;fill:#5d6b7c}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px}
.kv dt{color:var(--muted)}.kv dd{margin:0}
`;
