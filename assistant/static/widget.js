/* program-assistant chat widget. Embed with:
 *   <script src="https://HOST/widget.js" defer></script>
 * Adds a floating button that opens the chat (HOST/embed) in an iframe. Loads nothing from anywhere else. */
(function () {
  "use strict";
  if (window.__programAssistantWidget) return;
  window.__programAssistantWidget = true;
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  var origin = new URL(script.src, window.location.href).origin;
  var open = false;

  var button = document.createElement("button");
  button.type = "button";
  button.id = "pa-widget-button";
  button.setAttribute("aria-label", "사업 안내 도우미 열기");
  button.setAttribute("aria-expanded", "false");
  button.textContent = "💬 사업 안내";
  button.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483646;border:0;border-radius:28px;" +
    "padding:14px 20px;background:#1d4ed8;color:#fff;font:600 16px/1 sans-serif;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)";

  var frame = document.createElement("iframe");
  frame.id = "pa-widget-frame";
  frame.title = "사업 안내 도우미";
  frame.setAttribute("allow", "clipboard-write");
  frame.style.cssText = "position:fixed;right:20px;bottom:84px;z-index:2147483647;width:400px;height:620px;" +
    "max-width:calc(100vw - 24px);max-height:calc(100vh - 110px);border:1px solid #d1d5db;border-radius:14px;" +
    "background:#fff;box-shadow:0 8px 30px rgba(0,0,0,.25);display:none";

  function place() {
    if (window.innerWidth <= 480) {
      frame.style.right = "12px"; frame.style.width = "calc(100vw - 24px)";
    } else {
      frame.style.right = "20px"; frame.style.width = "400px";
    }
  }

  button.addEventListener("click", function () {
    open = !open;
    if (open && !frame.src) frame.src = origin + "/embed/";
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "✕ 닫기" : "💬 사업 안내";
  });
  window.addEventListener("resize", place);

  function mount() { place(); document.body.appendChild(frame); document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
