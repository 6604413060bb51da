// Package widget provides Tolk's drop-in search box: widget.js, the
// <tolk-search> web component any page can include with one script tag, and
// the demo page the server answers at "/".
//
// Its main rule: text that comes from the API is never parsed as markup. The
// component builds DOM nodes and sets text; the one element it makes from API
// text is the <mark> of a search snippet. Render applies the same rule on the
// server: it escapes a snippet completely and then restores only <mark> and
// </mark>, whatever the caller passes in.
package widget
