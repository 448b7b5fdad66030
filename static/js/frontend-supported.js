// GOV.UK Frontend styles its components only when this class says ES modules run.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
