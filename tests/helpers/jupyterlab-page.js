// In-page half of the JupyterLab browser test (tests/helpers/jupyterlab.ts injects this file into
// every page with addInitScript): reads the notebook from the app's own objects
// (window.jupyterapp, set by jupyterlab/lab/index.js and jupyterlab/notebook7/index.js) and
// from the DOM. Plain JavaScript, so nothing the test transpiler adds reaches the page; the test
// calls it as `window.genaiLab.<method>(...)` with JSON arguments and gets JSON back.
(() => {
  const PROGRESS = /<progress value="(\d+)" max="(\d+)"/;

  /** The open notebook panel for `path` (the current widget, else any in the main area). */
  function panel(path) {
    const app = window.jupyterapp;
    if (!app || !app.shell) return null;
    const current = app.shell.currentWidget;
    if (current && current.context && current.context.path === path && current.content) return current;
    if (typeof app.shell.widgets !== "function") return null;
    for (const w of app.shell.widgets("main")) {
      if (w.context && w.context.path === path && w.content) return w;
    }
    return null;
  }

  function mustPanel(path) {
    const p = panel(path);
    if (!p) throw new Error(`no open notebook panel for ${path}`);
    return p;
  }

  const kernelOf = (p) => (p.sessionContext.session ? p.sessionContext.session.kernel : null);
  const sourceOf = (cell) => cell.model.sharedModel.getSource();
  const htmlOf = (o) => {
    const h = o.data && o.data["text/html"];
    return Array.isArray(h) ? h.join("") : String(h ?? "");
  };
  const textOf = (t) => (Array.isArray(t) ? t.join("") : String(t ?? ""));
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  };

  /** What the kernel sent and what the notebook showed while it ran (see watch). */
  const log = { replies: [], requests: 0, progress: {}, kernels: [] };

  function hookKernel(kernel) {
    if (!kernel || log.kernels.includes(kernel.id)) return;
    log.kernels.push(kernel.id);
    kernel.anyMessage.connect((_, args) => {
      const m = args.msg;
      if (args.direction === "send" && m.header.msg_type === "execute_request") log.requests += 1;
      // tslab reports a TypeScript compile error as stderr plus status "error", with no error
      // output: the reply status is the reliable signal.
      if (args.direction === "recv" && m.header.msg_type === "execute_reply") {
        log.replies.push({
          status: m.content.status,
          executionCount: m.content.execution_count ?? null,
          error: m.content.status === "error" ? `${m.content.ename}: ${m.content.evalue}` : null,
        });
      }
    });
  }

  window.genaiLab = {
    /** Whether the notebook is open, and its kernel. */
    state(path) {
      const p = panel(path);
      if (!p) return { open: false };
      const k = kernelOf(p);
      return {
        open: true,
        ready: Boolean(p.context.isReady) && p.content.widgets.length > 0,
        cells: p.content.widgets.length,
        kernel: k ? { name: k.name, status: k.status, connection: k.connectionStatus } : null,
        windowingMode: p.content.notebookConfig ? p.content.notebookConfig.windowingMode : null,
      };
    },

    /** A dialog's title and its kernel choices, if one is open (e.g. "Select Kernel"). */
    dialog() {
      const d = document.querySelector(".jp-Dialog");
      if (!d) return null;
      const select = d.querySelector("select");
      return {
        title: (d.querySelector(".jp-Dialog-header") || d).textContent.trim().slice(0, 200),
        options: select ? [...select.options].map((o) => ({ value: o.value, label: o.textContent.trim() })) : [],
      };
    },

    /** Starts recording execute replies and every state of each live progress output. */
    watch(path) {
      const p = mustPanel(path);
      log.replies = [];
      log.requests = 0;
      log.progress = {};
      hookKernel(kernelOf(p));
      p.sessionContext.kernelChanged.connect((_, change) => hookKernel(change.newValue));
      clearInterval(log.timer);
      log.timer = setInterval(() => {
        p.content.widgets.forEach((cell, i) => {
          if (cell.model.type !== "code") return;
          const outs = cell.model.outputs;
          for (let k = 0; k < outs.length; k++) {
            const m = PROGRESS.exec(htmlOf(outs.get(k)));
            if (!m) continue;
            const states = (log.progress[`cell ${i} output ${k}`] = log.progress[`cell ${i} output ${k}`] || []);
            const s = `${m[1]}/${m[2]}`;
            if (states[states.length - 1] !== s) states.push(s);
          }
        });
      }, 100);
      return true;
    },

    /** Stops the progress sampling; returns what was recorded. */
    watched() {
      clearInterval(log.timer);
      return { replies: log.replies, requests: log.requests, progress: log.progress };
    },

    /** Runs every cell through the app command, as Run > Run All Cells does. */
    runAll() {
      window.jupyterapp.commands.execute("notebook:run-all-cells");
      return true;
    },

    /** Runs one cell (without moving on), as Ctrl+Enter does. */
    runCell(path, index) {
      const p = mustPanel(path);
      p.content.activeCellIndex = index;
      window.jupyterapp.commands.execute("notebook:run-cell");
      return true;
    },

    /** Code cells still queued or running (prompt [*]), and those never run. */
    runState(path) {
      const p = mustPanel(path);
      const code = p.content.widgets.filter((c) => c.model.type === "code" && sourceOf(c).trim() !== "");
      const prompt = (c) => (c.promptNode ? c.promptNode.textContent : "");
      const k = kernelOf(p);
      return {
        running: code.filter((c) => prompt(c).includes("*")).length,
        notRun: code.filter((c) => typeof c.model.executionCount !== "number").length,
        code: code.length,
        kernel: k ? k.status : null,
      };
    },

    /** Indexes of the code cells, and of those whose outputs hold a Plotly figure box. */
    layout(path) {
      const p = mustPanel(path);
      const code = [];
      const figures = [];
      p.content.widgets.forEach((c, i) => {
        if (c.model.type !== "code") return;
        code.push(i);
        const outs = c.model.outputs;
        for (let k = 0; k < outs.length; k++) {
          if (htmlOf(outs.get(k).toJSON()).includes("genai-plot")) {
            figures.push(i);
            break;
          }
        }
      });
      return { code, figures };
    },

    /** Scrolls cell `index` to the top of the notebook (so its outputs render and lay out). */
    async scrollTo(path, index) {
      const p = mustPanel(path);
      const cell = p.content.widgets[index];
      await p.content.scrollToCell(cell, "start");
      cell.node.scrollIntoView({ block: "start" });
      return true;
    },

    /** One cell: its model (execution count, outputs) and what its output area shows. */
    cell(path, index) {
      const p = mustPanel(path);
      const c = p.content.widgets[index];
      const outputs = c.model.type === "code" ? c.model.outputs.toJSON() : [];
      const node = c.node;
      return {
        index,
        type: c.model.type,
        empty: sourceOf(c).trim() === "",
        firstLine: sourceOf(c).split("\n")[0].slice(0, 80),
        executionCount: c.model.type === "code" ? c.model.executionCount : null,
        trusted: Boolean(c.model.trusted),
        outputs: outputs.map((o) => {
          const html = htmlOf(o);
          const m = PROGRESS.exec(html);
          return {
            output_type: o.output_type,
            name: o.name,
            text: o.output_type === "stream" ? textOf(o.text).slice(0, 2000) : undefined,
            ename: o.ename,
            evalue: o.evalue,
            mimes: o.data ? Object.keys(o.data) : [],
            plot: html.includes("genai-plot"),
            imageGrid: html.includes("genai-image-grid"),
            table: /<table[\s>]/i.test(html),
            progress: m
              ? {
                  value: Number(m[1]),
                  max: Number(m[2]),
                  text: html
                    .replace(/<[^>]+>/g, "")
                    .trim()
                    .slice(0, 300),
                }
              : null,
          };
        }),
        // One .jp-OutputArea-child per output, in the model's order.
        dom: {
          children: [...node.querySelectorAll(".jp-OutputArea-child")].map((child) => ({
            plots: [...child.querySelectorAll(".genai-plot")].map((gd) => {
              const note = gd.querySelector(".genai-plot-note");
              const r = gd.getBoundingClientRect();
              return {
                id: gd.id,
                drawn: gd.querySelector(".main-svg") !== null,
                note: note && visible(note) ? note.textContent.trim().slice(0, 300) : null,
                text: gd.textContent.trim().slice(0, 300),
                size: `${Math.round(r.width)}x${Math.round(r.height)}`,
              };
            }),
            images: [...child.querySelectorAll("img")].map((img) => ({
              loaded: img.complete && img.naturalWidth > 0,
              naturalWidth: img.naturalWidth,
              src: img.src.slice(0, 40),
            })),
            tables: [...child.querySelectorAll("table")].filter(visible).length,
            text: child.innerText.replace(/\s+/g, " ").trim().slice(0, 200),
          })),
          svgs: node.querySelectorAll(".main-svg").length,
        },
      };
    },

    /** Output elements of cell `index` that scroll sideways (content wider than the box). */
    overflow(path, index) {
      const c = mustPanel(path).content.widgets[index];
      return [...c.node.querySelectorAll(".jp-OutputArea-output")]
        .map((el, k) => ({ output: k, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }))
        .filter((o) => o.scrollWidth > o.clientWidth + 1);
    },

    /** Whether the document has unsaved changes; save() starts docmanager:save. */
    dirty(path) {
      return mustPanel(path).context.model.dirty;
    },
    async save(path) {
      mustPanel(path);
      await window.jupyterapp.commands.execute("docmanager:save");
      return true;
    },

    /** Closes the notebook's tab (its kernel keeps running, as in JupyterLab). */
    close(path) {
      mustPanel(path).close();
      return true;
    },

    /**
     * Marks cell `index`'s figure outputs (a Plotly box, an image grid or an image) with
     * data-genai-figure="0", "1", ... so the test can screenshot each; returns how many.
     */
    markFigures(path, index) {
      document.querySelectorAll("[data-genai-figure]").forEach((el) => el.removeAttribute("data-genai-figure"));
      const c = mustPanel(path).content.widgets[index];
      const children = [...c.node.querySelectorAll(".jp-OutputArea-child")].filter((el) =>
        el.querySelector(".genai-plot, .genai-image-grid, img"),
      );
      children.forEach((el, k) => el.setAttribute("data-genai-figure", String(k)));
      return children.length;
    },

    /** Every drawn Plotly graph on the page (`.main-svg`), any cell. */
    drawnGraphs() {
      return document.querySelectorAll(".main-svg").length;
    },

    /** The notebook's scrolling box: total height, visible height (for page-by-page screenshots). */
    scrollBox(path) {
      const node = mustPanel(path).content.node;
      const box = node.querySelector(".jp-WindowedPanel-outer") || node;
      return { height: box.scrollHeight, view: box.clientHeight };
    },
    scrollBoxTo(path, top) {
      const node = mustPanel(path).content.node;
      const box = node.querySelector(".jp-WindowedPanel-outer") || node;
      box.scrollTop = top;
      return box.scrollTop;
    },
  };
})();
