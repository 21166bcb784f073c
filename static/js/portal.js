// Small enhancements; every page works without them. Loaded from a file, as the content
// security policy allows no inline script.
document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// After a failed submission, take keyboard and screen-reader users to the list of mistakes.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});

// Pages are never kept in the browser's storage (htmx-config: historyCacheSize 0); drop
// what an earlier version of the portal may have left there.
try {
  sessionStorage.removeItem("htmx-history-cache");
} catch (error) {
  // Storage refused (private mode): there is nothing to remove.
}

// Each enhancement below works on a part of the page (``root``): the whole page once it is
// read, and each part htmx puts in later (a folded action's form on the staff case page).
const enhancements = [];
const enhance = (root) =>
  enhancements.forEach((enhancement) => {
    try {
      enhancement(root);
    } catch (error) {
      console.error(error); // one enhancement failing leaves the others (and the page) working
    }
  });
document.addEventListener("DOMContentLoaded", () => enhance(document));
document.addEventListener("htmx:load", (event) => {
  const part = event.detail.elt;
  if (part === document.body) {
    return; // the whole page: done on DOMContentLoaded
  }
  enhance(part);
  // A folded action's form just opened: the cursor goes to its first field.
  if (part.matches("form.card.action")) {
    part.querySelector("input:not([type=hidden]), select, textarea")?.focus();
  }
});

// A folded action's form that htmx could not bring (the action is no longer offered since
// the page was drawn, or the network failed): the page opens again with it, as without
// JavaScript, and says where the case stands now.
const openWithThePage = (event) => {
  const link = event.detail.elt;
  if (link instanceof HTMLAnchorElement && link.matches("[data-opens-form]")) {
    window.location.assign(link.href);
  }
};
document.addEventListener("htmx:responseError", openWithThePage);
document.addEventListener("htmx:sendError", openWithThePage);

// Text boxes with a limit (data-max-length): a live count under the box, and a plain
// warning once the text is too long; nothing typed or pasted is ever cut. Without this
// script the server says the same when the form is sent.
enhancements.push((root) => {
  const texts = document.body.dataset;
  root.querySelectorAll("textarea[data-max-length]").forEach((box) => {
    const limit = Number(box.dataset.maxLength);
    const counter = document.createElement("p");
    counter.className = "hint counter";
    counter.id = `${box.id || box.name}-counter`;
    counter.setAttribute("aria-live", "polite");
    box.after(counter);
    box.setAttribute(
      "aria-describedby",
      [box.getAttribute("aria-describedby"), counter.id].filter(Boolean).join(" "),
    );
    const show = () => {
      const left = limit - box.value.length;
      const over = left < 0;
      counter.textContent = (over ? texts.counterOver : texts.counterLeft).replace(
        "%(count)s",
        String(Math.abs(left)),
      );
      counter.classList.toggle("over", over);
      box.setAttribute("aria-invalid", over ? "true" : "false");
    };
    box.addEventListener("input", show);
    show();
  });
});

// Referring a case: each agency's request box shows once the agency is ticked (without
// this script every box shows, and the server says which one is missing).
enhancements.push((root) => {
  root.querySelectorAll("textarea[data-ask-for]").forEach((box) => {
    const tick = document.getElementById(box.dataset.askFor);
    const field = box.closest(".field");
    if (!tick || !field) {
      return;
    }
    const show = () => {
      field.hidden =
        !tick.checked && box.value.trim() === "" && !field.classList.contains("has-error");
    };
    tick.addEventListener("change", () => {
      show();
      if (tick.checked) {
        box.focus();
      }
    });
    show();
  });
});

// Ready-made replies on the staff case page: "Insert" puts the chosen reply into its box
// where the cursor was (at the end if the box was not touched), beside what is typed and
// never over it, and leaves the cursor after it for editing. Without this script the
// button opens the page again with the reply in the box.
enhancements.push((root) => {
  root.querySelectorAll("[data-reply-picker]").forEach((picker) => {
    const choice = picker.querySelector("select[data-reply-box]");
    const box = document.getElementById(choice.dataset.replyBox);
    let touched = false;
    box.addEventListener("focus", () => {
      touched = true;
    });
    picker.querySelector("button").addEventListener("click", (event) => {
      event.preventDefault();
      const text = choice.selectedOptions[0]?.dataset.text;
      if (!text) {
        return;
      }
      const at = touched ? box.selectionEnd : box.value.length;
      const before = box.value.slice(0, at);
      const after = box.value.slice(at);
      // A blank line between the reply and any text around it: paragraphs of their own.
      const upToBlankLine = (newlines) => "\n".repeat(Math.max(0, 2 - newlines.length));
      const lead = before ? upToBlankLine(before.match(/\n*$/)[0]) : "";
      const trail = after ? upToBlankLine(after.match(/^\n*/)[0]) : "";
      box.setRangeText(lead + text + trail, at, at, "end");
      const end = at + lead.length + text.length;
      box.focus();
      box.setSelectionRange(end, end);
      box.dispatchEvent(new Event("input", { bubbles: true }));
      const ticks = document.getElementById(choice.dataset.replyTicks || "");
      if (ticks) {
        ticks.checked = true;
      }
    });
  });
});
