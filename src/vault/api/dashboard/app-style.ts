/** The dashboard's stylesheet, served as /dashboard/app.css (the CSP allows no inline style). */
export const APP_CSS = `
:root { color-scheme: light dark; --accent: #3b6ea8; --ok: #2f7d32; --bad: #b3261e; --line: #8884; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header nav { display: flex; gap: 1rem; flex: 1; }
header nav a { text-decoration: none; color: inherit; padding: .2rem .1rem; }
header nav a[aria-current="page"] { border-bottom: 2px solid var(--accent); }
main { padding: 1rem 1.2rem 3rem; max-width: 72rem; }
main.narrow { max-width: 28rem; margin: 3rem auto; }
h1 { font-size: 1.4rem; margin: .4rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
pre.preview, pre.headers { max-height: 16rem; overflow: auto; padding: .5rem; border: 1px solid var(--line); white-space: pre-wrap; word-break: break-all; }
form.inline { display: inline; }
form.stack { display: grid; gap: .5rem; max-width: 36rem; margin: .5rem 0 1.5rem; }
form.stack label { display: grid; gap: .15rem; }
form.filters { display: flex; gap: .5rem; align-items: end; flex-wrap: wrap; margin-bottom: .5rem; }
input, select, button { font: inherit; padding: .3rem .5rem; }
button { cursor: pointer; }
button.approve { background: var(--ok); color: #fff; border: 0; border-radius: 4px; }
button.reject { background: var(--bad); color: #fff; border: 0; border-radius: 4px; }
.badge { display: inline-block; min-width: 1.4em; padding: 0 .35em; border-radius: 1em; background: var(--accent); color: #fff; text-align: center; font-size: .8em; }
.badge[data-count="0"] { opacity: .4; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--accent); border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; max-width: 48rem; }
.card h2 { margin: .2rem 0 .5rem; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0 0 .5rem; }
.card dt { font-weight: 600; }
.card dd { margin: 0; }
.card .actions { display: flex; gap: .8rem; align-items: center; flex-wrap: wrap; }
.card .actions form { display: flex; gap: .4rem; }
.time-left { font-weight: 600; }
.muted { opacity: .7; }
.unseen { font-weight: 600; color: #b45309; }
.flash { padding: .5rem .8rem; border-radius: 4px; }
.flash.ok { border: 1px solid var(--ok); }
.flash.error { border: 1px solid var(--bad); }
.error-text { color: var(--bad); }
details { margin: .3rem 0; }
`;
