// Loaded (blocking, tiny) as the first thing in <body>, so that NHS.UK frontend's styles for
// script-enhanced components apply before the first paint. A file, not inline script: the
// Content Security Policy allows scripts from this site only.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
