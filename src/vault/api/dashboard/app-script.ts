/**
 * The dashboard's one script, served as /dashboard/app.js (no build step). It keeps "time left"
 * current and, on every page, listens to /dashboard/events: new approval cards are built with
 * DOM APIs and textContent only, so request data can never become markup.
 */
export const APP_JS = String.raw`'use strict';
(function () {
  function timeLeft(iso) {
    var ms = Date.parse(iso) - Date.now();
    if (!(ms > 0)) return 'expired';
    var s = Math.ceil(ms / 1000);
    var m = Math.floor(s / 60);
    return (m > 0 ? m + 'm ' : '') + (s % 60) + 's left';
  }
  function tick() {
    var els = document.querySelectorAll('[data-expires-at]');
    for (var i = 0; i < els.length; i++) els[i].textContent = timeLeft(els[i].getAttribute('data-expires-at'));
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function hidden(name, value) {
    var input = el('input');
    input.type = 'hidden';
    input.name = name;
    input.value = value;
    return input;
  }
  function decisionForm(a, csrf, decision, label, withGrant, always) {
    var form = el('form');
    form.method = 'post';
    form.action = '/dashboard/approvals/' + encodeURIComponent(a.id) + '/decide';
    form.appendChild(hidden('csrf', csrf));
    form.appendChild(hidden('decision', decision));
    if (always) form.appendChild(hidden('always', '1'));
    if (withGrant) {
      var select = el('select');
      select.name = 'grantMinutes';
      [['', 'this request only'], ['15', 'and similar requests for 15 minutes'], ['60', 'and similar requests for 1 hour']].forEach(function (o) {
        var option = el('option', null, o[1]);
        option.value = o[0];
        select.appendChild(option);
      });
      form.appendChild(select);
    }
    var button = el('button', decision === 'approve' ? 'approve' : 'reject', label);
    button.type = 'submit';
    form.appendChild(button);
    return form;
  }
  function row(dl, term, value, className) {
    dl.appendChild(el('dt', null, term));
    var dd = el('dd');
    dd.appendChild(el(className === 'request' ? 'code' : 'span', className, value));
    dl.appendChild(dd);
  }
  function card(a, csrf) {
    var article = el('article', 'card');
    article.id = 'approval-' + a.id;
    article.setAttribute('data-approval-id', a.id);
    var newHost = a.kind === 'new_host';
    article.appendChild(el('h2', null, newHost ? 'New host' : 'Credentials Request'));
    var dl = el('dl');
    row(dl, 'Agent', a.agentIdentifier, 'agent');
    row(dl, 'Request', a.method + ' ' + a.host + a.path, 'request');
    row(dl, 'Secret', a.secretName || '(none)', 'secret');
    if (a.headers && a.headers.length > 0) {
      dl.appendChild(el('dt', null, 'Headers'));
      var dd = el('dd');
      dd.appendChild(el('pre', 'headers', a.headers.join('\n')));
      dl.appendChild(dd);
    }
    article.appendChild(dl);
    article.appendChild(a.bodyPreview ? el('pre', 'preview', a.bodyPreview) : el('p', 'muted', 'No body'));
    if (a.unseen) article.appendChild(el('p', 'unseen', a.unseen));
    var left = el('p', 'time-left', timeLeft(a.expiresAt));
    left.setAttribute('data-expires-at', a.expiresAt);
    article.appendChild(left);
    var actions = el('div', 'actions');
    actions.appendChild(decisionForm(a, csrf, 'approve', newHost ? 'Allow once' : 'Approve', !newHost, false));
    if (newHost) actions.appendChild(decisionForm(a, csrf, 'approve', 'Allow always', false, true));
    actions.appendChild(decisionForm(a, csrf, 'deny', 'Reject', false, false));
    article.appendChild(actions);
    return article;
  }
  function setCount(n) {
    var badge = document.getElementById('pending-count');
    if (badge && typeof n === 'number') {
      badge.textContent = String(n);
      badge.setAttribute('data-count', String(n));
    }
  }
  function refreshEmpty(list) {
    var empty = document.getElementById('pending-empty');
    if (empty) empty.hidden = list.querySelector('.card') !== null;
  }
  tick();
  setInterval(tick, 1000);
  if (document.body.getAttribute('data-live') === 'off' || typeof EventSource === 'undefined') return;
  var list = document.getElementById('pending-list');
  var events = new EventSource('/dashboard/events');
  events.addEventListener('open', function () { document.body.setAttribute('data-live', 'connected'); });
  events.addEventListener('error', function () { document.body.setAttribute('data-live', 'reconnecting'); });
  events.addEventListener('pending', function (e) {
    var msg = JSON.parse(e.data);
    setCount(msg.pendingCount);
    if (!list || document.getElementById('approval-' + msg.approval.id)) return;
    list.insertBefore(card(msg.approval, list.getAttribute('data-csrf')), list.firstChild);
    refreshEmpty(list);
  });
  events.addEventListener('alert', function (e) {
    var a = JSON.parse(e.data);
    var box = document.getElementById('alert-live');
    if (!box) return;
    var p = el('p', 'flash error alert');
    p.setAttribute('data-alert-id', a.id);
    p.appendChild(el('strong', null, 'Honeytoken used, request blocked: '));
    p.appendChild(el('span', 'agent', a.agentIdentifier));
    p.appendChild(el('code', 'request', ' ' + a.method + ' ' + a.host + a.path + ' '));
    p.appendChild(el('span', 'secret', '(decoy ' + a.secretName + ', ' + a.time + ')'));
    box.insertBefore(p, box.firstChild);
  });
  events.addEventListener('settled', function (e) {
    var msg = JSON.parse(e.data);
    setCount(msg.pendingCount);
    var done = document.getElementById('approval-' + msg.approval.id);
    if (done) done.remove();
    if (list) refreshEmpty(list);
  });
})();
`;
