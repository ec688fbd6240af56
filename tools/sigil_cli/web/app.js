// The receiver's web page: the conversation list and one conversation, re-rendered whenever the
// receiver's revision changes (polled every second). All text goes in through textContent.
'use strict';

const state = { revision: -1, route: '', filters: { agent: '', model: '', has_error: false } };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function getJSON(path) {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : '';
}

function decodeBase64(text) {
  try {
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    return `(${text.length * 3 / 4 | 0} bytes, not UTF-8)`;
  }
}

function route() {
  const match = location.hash.match(/^#\/c\/(.+)$/);
  return match ? { view: 'conversation', id: decodeURIComponent(match[1]) } : { view: 'list' };
}

// ---- the conversation list -------------------------------------------------------------------

function fillSelect(select, values, wanted) {
  select.replaceChildren(el('option', { value: '', text: 'all' }),
    ...values.map((v) => el('option', { value: v, text: v })));
  select.value = values.includes(wanted) ? wanted : '';
}

async function renderList() {
  const f = state.filters;
  const query = new URLSearchParams({ agent: f.agent, model: f.model, has_error: f.has_error ? '1' : '' });
  const data = await getJSON(`/api/local/conversations?${query}`);
  fillSelect(document.getElementById('filter-agent'), data.facets.agents, f.agent);
  fillSelect(document.getElementById('filter-model'), data.facets.models, f.model);
  const rows = data.conversations.map((c) => el('tr', { class: c.errors ? 'conversation has-error' : 'conversation',
    'data-id': c.id },
    el('td', {}, el('a', { href: `#/c/${encodeURIComponent(c.id)}`, text: c.id })),
    el('td', { text: when(c.last_received) }),
    el('td', { class: 'n-generations', text: c.generations }),
    el('td', { text: c.spans }),
    el('td', { class: 'agents', text: c.agents.join(', ') }),
    el('td', { class: 'models', text: c.models.join(', ') }),
    el('td', { text: `${c.input_tokens} / ${c.output_tokens}` }),
    el('td', { class: 'errors', text: c.errors })));
  document.querySelector('#conversations tbody').replaceChildren(...rows);
  document.getElementById('empty').hidden = rows.length > 0;
}

// ---- one conversation ------------------------------------------------------------------------

function renderPart(part) {
  if (part.text !== undefined) return el('div', { class: 'part text', text: part.text });
  if (part.thinking !== undefined) return el('div', { class: 'part thinking', text: `thinking: ${part.thinking}` });
  if (part.tool_call) {
    const call = part.tool_call;
    const input = call.input_json ? decodeBase64(call.input_json) : '';
    return el('div', { class: 'part tool_call', text: `tool call ${call.name || ''} (${call.id || 'no id'}) ${input}` });
  }
  if (part.tool_result) {
    const result = part.tool_result;
    const content = result.content || (result.content_json ? decodeBase64(result.content_json) : '');
    return el('div', { class: `part tool_result${result.is_error ? ' is-error' : ''}`,
      text: `tool result ${result.name || ''} (${result.tool_call_id || 'no id'})${result.is_error ? ' ERROR' : ''}: ${content}` });
  }
  if (part.media) {
    const m = part.media;
    return el('div', { class: 'part media', text: `[${m.kind || 'media'} ${m.mime_type || ''} ${m.name || m.url || ''}]` });
  }
  return el('div', { class: 'part', text: '(empty part)' });
}

function renderMessage(message) {
  const role = (message.role || 'MESSAGE_ROLE_UNSPECIFIED').replace('MESSAGE_ROLE_', '').toLowerCase();
  return el('div', { class: `message ${role}` }, el('span', { class: 'role', text: message.name ? `${role} (${message.name})` : role }),
    ...(message.parts || []).map(renderPart));
}

function costOf(generation) {
  // A cost the program put in metadata (any key naming a cost), shown as given.
  const entries = Object.entries(generation.metadata || {}).filter(([key]) => /cost/i.test(key));
  return entries.map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`).join(' ');
}

function renderGeneration(g) {
  const usage = g.usage || {};
  const model = g.model || {};
  const started = Date.parse(g.started_at), completed = Date.parse(g.completed_at);
  const head = el('div', { class: 'head' },
    el('strong', { text: `${model.provider || '?'}/${model.name || '?'}` }),
    el('span', { text: g.operation_name || '' }),
    g.agent_name ? el('span', { class: 'agent', text: `agent ${g.agent_name}${g.agent_version ? ' ' + g.agent_version : ''}` }) : null,
    el('span', { class: 'usage', text: `tokens ${usage.input_tokens || 0} in / ${usage.output_tokens || 0} out` +
      (usage.cache_read_input_tokens ? ` / ${usage.cache_read_input_tokens} cache read` : '') +
      (usage.reasoning_tokens ? ` / ${usage.reasoning_tokens} reasoning` : '') }),
    costOf(g) ? el('span', { class: 'cost', text: `cost ${costOf(g)}` }) : null,
    isNaN(completed - started) ? null : el('span', { class: 'muted', text: `${completed - started} ms` }),
    el('span', { class: 'muted', text: `${g.id} via ${g._transport}` }));
  return el('div', { class: `generation${g.call_error ? ' error' : ''}`, 'data-id': g.id }, head,
    g.call_error ? el('div', { class: 'call-error', text: `error: ${g.call_error}` }) : null,
    el('div', { class: 'messages' },
      g.system_prompt ? el('div', { class: 'system', text: `system: ${g.system_prompt}` }) : null,
      ...(g.input || []).map(renderMessage), ...(g.output || []).map(renderMessage)));
}

function spanTree(spans) {
  const byId = new Map(spans.map((s) => [s.span_id, { span: s, children: [] }]));
  const roots = [];
  for (const node of byId.values()) {
    const parent = byId.get(node.span.parent_span_id);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

function renderSpans(spans) {
  if (!spans.length) return [el('p', { class: 'muted', text: 'no spans (OTLP on port 4318)' })];
  const start = Math.min(...spans.map((s) => s.start_ns));
  const end = Math.max(...spans.map((s) => s.end_ns));
  const total = Math.max(end - start, 1);
  const rows = [];
  const walk = (node, depth) => {
    const s = node.span;
    const duration = (s.end_ns - s.start_ns) / 1e6;
    const bar = el('div', { class: 'bar' });
    bar.style.left = `${((s.start_ns - start) / total) * 100}%`;
    bar.style.width = `${((s.end_ns - s.start_ns) / total) * 100}%`;
    const label = el('div', { class: 'label' }, el('span', { class: 'name', text: s.name }));
    label.style.paddingLeft = `${depth * 1.2}em`;
    rows.push(el('div', { class: `span${s.status_code === 'STATUS_CODE_ERROR' ? ' error' : ''}`, 'data-depth': depth,
      title: JSON.stringify(s.attributes, null, 1) }, label, el('div', { class: 'bar-box' }, bar),
      el('span', { class: 'duration', text: `${duration.toFixed(1)} ms` })));
    node.children.sort((a, b) => a.span.start_ns - b.span.start_ns).forEach((child) => walk(child, depth + 1));
  };
  spanTree(spans).forEach((root) => walk(root, 0));
  return rows;
}

function renderTools(spans) {
  const tools = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'execute_tool');
  if (!tools.length) return [el('p', { class: 'muted', text: 'no tool executions' })];
  return tools.map((s) => el('div', { class: `tool-execution${s.status_code === 'STATUS_CODE_ERROR' ? ' error' : ''}` },
    el('strong', { text: s.attributes['gen_ai.tool.name'] || s.name }),
    ` ${((s.end_ns - s.start_ns) / 1e6).toFixed(1)} ms`,
    s.attributes['gen_ai.tool.call.id'] ? ` call ${s.attributes['gen_ai.tool.call.id']}` : '',
    s.status_code === 'STATUS_CODE_ERROR' ? ` error: ${s.status_message || s.attributes['error.type'] || ''}` : ''));
}

async function renderConversation(id) {
  const response = await fetch(`/api/local/conversations/${encodeURIComponent(id)}`, { cache: 'no-store' });
  document.getElementById('conversation-title').textContent = id;
  if (response.status === 404) {
    document.getElementById('conversation-summary').textContent = 'no such conversation (yet)';
    return;
  }
  const c = await response.json();
  const tokensIn = c.generations.reduce((n, g) => n + Number((g.usage || {}).input_tokens || 0), 0);
  const tokensOut = c.generations.reduce((n, g) => n + Number((g.usage || {}).output_tokens || 0), 0);
  document.getElementById('conversation-summary').textContent =
    `${c.generations.length} generations, ${c.spans.length} spans, tokens ${tokensIn} in / ${tokensOut} out`;
  document.getElementById('generations').replaceChildren(...c.generations.map(renderGeneration));
  document.getElementById('tools').replaceChildren(...renderTools(c.spans));
  document.getElementById('spans').replaceChildren(...renderSpans(c.spans));
  document.getElementById('ratings').replaceChildren(...(c.ratings.length ? c.ratings.map((r) =>
    el('div', { class: 'rating', text: `${(r.rating || '').replace('CONVERSATION_RATING_VALUE_', '')} ${r.comment || ''} ${r.created_at}` }))
    : [el('p', { class: 'muted', text: 'no ratings' })]));
}

// ---- refresh ---------------------------------------------------------------------------------

async function render() {
  const r = route();
  document.getElementById('list-view').hidden = r.view !== 'list';
  document.getElementById('conversation-view').hidden = r.view !== 'conversation';
  if (r.view === 'list') await renderList();
  else await renderConversation(r.id);
  document.body.dataset.rendered = String(state.revision);
}

async function poll() {
  const live = document.getElementById('live');
  try {
    const info = await getJSON('/api/local/revision');
    const key = `${location.hash}|${JSON.stringify(state.filters)}`;
    const counts = info.counts;
    document.getElementById('counts').textContent =
      `${counts.generations} generations, ${counts.spans} spans, ${counts.metric_exports} metric exports`;
    if (info.revision !== state.revision || key !== state.route) {
      state.revision = info.revision;
      state.route = key;
      await render();
    }
    live.className = 'live';
    live.textContent = 'live';
  } catch (e) {
    live.className = 'live off';
    live.textContent = 'receiver unreachable';
  }
}

function readFilters() {
  state.filters.agent = document.getElementById('filter-agent').value;
  state.filters.model = document.getElementById('filter-model').value;
  state.filters.has_error = document.getElementById('filter-error').checked;
  poll();
}

for (const id of ['filter-agent', 'filter-model', 'filter-error']) {
  document.getElementById(id).addEventListener('change', readFilters);
}
// Filters can also come from the address: #/?agent=a&model=m&has_error=1
(function filtersFromHash() {
  const q = new URLSearchParams((location.hash.split('?')[1]) || '');
  state.filters.agent = q.get('agent') || '';
  state.filters.model = q.get('model') || '';
  state.filters.has_error = q.get('has_error') === '1';
  document.getElementById('filter-error').checked = state.filters.has_error;
})();
window.addEventListener('hashchange', poll);
poll();
setInterval(poll, 1000);
