// Helpers the browser tests install in every JupyterLab page (as window.courseTest).
// They read the notebook model through window.jupyterapp (the server runs with
// --LabApp.expose_app_in_browser) and inspect rendered ipywidgets in the DOM.
(() => {
  // Kinds of controls, in the order they claim an element. An element inside a claimed
  // control (a button of a ToggleButtons, the buttons of a Play) is part of that control.
  const CONTROL_KINDS = [
    ["slider", ".widget-slider"],
    ["dropdown", ".widget-dropdown"],
    ["toggle-buttons", ".widget-toggle-buttons"],
    ["toggle-button", ".widget-toggle-button"],
    ["checkbox", ".widget-checkbox"],
    ["radio", ".widget-radio"],
    ["select", ".widget-select"],
    ["play", ".widget-play"],
    ["number", ".widget-text:has(input[type='number'])"],
    ["text", ".widget-text, .widget-textarea, .widget-combobox, .widget-tagsinput"],
    ["color", ".widget-colorpicker"],
    ["date", ".widget-datepicker, .widget-timepicker, .widget-datetimepicker"],
    ["upload", ".widget-upload"],
    ["button", ".widget-button"],
  ];

  // What a widget shows besides its controls: images, canvases and text outputs.
  const SHOWN = ".widget-html-content, .widget-htmlmath-content, .widget-label-basic, " +
    ".widget-output, .widget-valid";

  function panelFor(path) {
    const app = window.jupyterapp;
    if (!app) return null;
    for (const widget of app.shell.widgets("main")) {
      if (widget.context && widget.context.path === path) return widget;
    }
    return null;
  }

  // FNV-1a over bytes: a fingerprint of an image, enough to tell two figures apart.
  function fingerprint(bytes) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) {
      hash ^= bytes[i];
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return `${bytes.length}:${hash.toString(16)}`;
  }

  // Text as read: runs of blanks (and the zero-width spaces of empty labels) as one space.
  function clean(text) {
    return (text || "").replace(/[\s\u200b]+/g, " ").trim();
  }

  // The description a learner reads next to a control.
  function labelOf(element) {
    for (const label of element.querySelectorAll(".widget-label, label")) {
      const text = clean(label.textContent);
      if (text) return text.slice(0, 60);
    }
    return (clean(element.getAttribute("title")) || clean(element.textContent)).slice(0, 60);
  }

  window.courseTest = {
    // Open a notebook in a new tab of this JupyterLab, as a double click in the file browser does.
    async open(path) {
      await window.jupyterapp.commands.execute("docmanager:open", { path, factory: "Notebook" });
      return true;
    },

    // Make a notebook's tab the current one (the Run menu acts on the current notebook).
    activate(path) {
      const panel = panelFor(path);
      if (panel) window.jupyterapp.shell.activateById(panel.id);
      return Boolean(panel);
    },

    // Kernel status and, for every cell, what the tests need to judge a run. The notebook's
    // panel is marked with data-course-path so that the tests can find it in the page.
    notebookState(path) {
      const panel = panelFor(path);
      if (!panel || !panel.context.isReady) return null;
      panel.node.dataset.coursePath = path;
      const session = panel.sessionContext.session;
      const kernel = session && session.kernel ? session.kernel.status : "none";
      const cells = panel.content.widgets.map((cell, index) => {
        const model = cell.model;
        const info = { index, type: model.type };
        if (model.type !== "code") return info;
        const source = model.sharedModel.getSource();
        const prompt = cell.node.querySelector(".jp-InputArea-prompt");
        info.blank = source.trim() === "";
        info.firstLine = source.split("\n").find((line) => line.trim()) || "";
        info.executionCount = model.executionCount;
        info.pending = Boolean(prompt && prompt.textContent.includes("*"));
        info.outputs = model.outputs.toJSON().map((output) => ({
          type: output.output_type,
          name: output.name || "",
          ename: output.ename || "",
          evalue: output.evalue || "",
          text: typeof output.text === "string" ? output.text :
            (Array.isArray(output.text) ? output.text.join("") : ""),
          mimes: Object.keys(output.data || {}),
        }));
        return info;
      });
      return { kernel, cells };
    },

    // Mark the top-level widget views of a cell (not those nested in an Output widget)
    // with data-course-widget="i" and describe them.
    widgetViews(cellNode) {
      const views = [];
      for (const output of cellNode.querySelectorAll(".jp-OutputArea-output")) {
        if (output.parentElement.closest(".widget-output")) continue;
        const root = output.querySelector(":scope > .jupyter-widgets");
        const failed = /Error displaying widget|Loading widget/.test(output.textContent) && !root;
        if (!root && !failed) continue;
        const index = views.length;
        output.dataset.courseWidget = String(index);
        views.push({ index, rendered: Boolean(root), text: output.textContent.slice(0, 200) });
      }
      return views;
    },

    // Mark every control inside a widget view with data-course-control="i" and describe it.
    controls(view) {
      const found = [];
      const claimed = [];
      for (const [kind, selector] of CONTROL_KINDS) {
        for (const element of view.querySelectorAll(selector)) {
          if (claimed.some((other) => other === element || other.contains(element))) continue;
          claimed.push(element);
          found.push({ kind, element });
        }
      }
      // Document order, so that reports and screenshots follow the layout.
      found.sort((a, b) =>
        a.element.compareDocumentPosition(b.element) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);
      return found.map(({ kind, element }, index) => {
        element.dataset.courseControl = String(index);
        return { index, kind, label: labelOf(element) };
      });
    },

    // A fingerprint of everything a widget view shows besides its controls.
    async shown(view) {
      const parts = [];
      for (const image of view.querySelectorAll("img")) {
        let mark = image.getAttribute("src") || "";
        try {
          const response = await fetch(image.src);
          mark = fingerprint(new Uint8Array(await response.arrayBuffer()));
        } catch (error) {
          // a revoked blob URL: the source itself still tells figures apart
        }
        parts.push(`image ${mark}`);
      }
      for (const canvas of view.querySelectorAll("canvas")) {
        try {
          parts.push(`canvas ${fingerprint(new TextEncoder().encode(canvas.toDataURL()))}`);
        } catch (error) {
          parts.push("canvas (unreadable)");
        }
      }
      for (const element of view.querySelectorAll(SHOWN)) {
        parts.push(`text ${element.textContent}`);
      }
      return parts.join("\n");
    },
  };
})();
