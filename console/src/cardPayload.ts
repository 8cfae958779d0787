import {
  field,
  fillOnChoose,
  insertAtCaret,
  isObject,
  picker,
  rowsEditor,
  textInput,
  tpl,
  type Groups,
  type Json,
  type Tr,
} from './cardKit';
import { h } from './dom';

// The card's payload: no body, a JSON structure whose text leaves are templates (an editable tree of
// fields; nested objects as nested fields, arrays and other values as JSON text), or form fields.

type Kind = 'none' | 'json' | 'form';

export function payloadSet(o: {
  request: () => Json;
  tr: Tr;
  groups: Groups;
  changed: (rebuild: boolean, focus?: string) => void;
}): HTMLElement {
  const { tr, changed } = o;
  const req = o.request();
  const body = isObject(req.body) ? req.body : { type: 'none' };
  const kind: Kind = body.type === 'json' || body.type === 'form' ? body.type : 'none';

  // Switching keeps what it can: a JSON object's text leaves become form fields and back.
  const switchTo = (next: Kind) => {
    const fields =
      body.type === 'form' && isObject(body.fields)
        ? body.fields
        : isObject(body.value)
          ? Object.fromEntries(Object.entries(body.value).filter(([, v]) => typeof v === 'string'))
          : {};
    if (next === 'none') delete o.request().body;
    else
      o.request().body =
        next === 'json' ? { type: 'json', value: body.type === 'json' ? body.value : { ...fields } } : { type: 'form', fields };
    changed(true, `body-type-${next}`);
  };
  const radios = h(
    'div',
    { class: 'row', role: 'radiogroup', 'aria-label': tr('bodyType') },
    ...(['none', 'json', 'form'] as const).map((k) =>
      h(
        'div',
        { class: 'check' },
        h('input', { type: 'radio', name: 'body-type', id: `body-type-${k}`, value: k, checked: k === kind, onchange: () => switchTo(k) }),
        h('label', { for: `body-type-${k}` }, tr(`body_${k}`)),
      ),
    ),
  );

  const parts: Array<HTMLElement | false> = [];
  if (kind === 'form') {
    const rows = Object.entries(isObject(body.fields) ? body.fields : {}).map(([name, value]) => [name, String(value)]);
    parts.push(
      ...rowsEditor({
        id: 'form-field',
        rows,
        tr,
        write: (rebuild) => ((body.fields = Object.fromEntries(rows)), changed(rebuild)),
        name: (n) => tr('formFieldName', { n }),
        value: (n) => tr('formFieldValue', { n }),
        pick: (n) => tr('valueForFormField', { n }),
        remove: (n) => tr('removeFormField', { n }),
        add: tr('addFormField'),
        empty: tr('noFields'),
        fresh: 'field',
        groups: o.groups,
      }),
    );
  } else if (kind === 'json' && (isObject(body.value) || body.value === undefined)) {
    const root = isObject(body.value) ? body.value : (body.value = {});
    parts.push(h('p', { class: 'hint' }, tr('jsonTreeHint')), objectEditor(root, [], o));
  } else if (kind === 'json') {
    // An array or a single value at the top: JSON text.
    const text = h('textarea', { id: 'card-body', class: 'small', spellcheck: 'false', autocomplete: 'off' });
    text.value = JSON.stringify(body.value, null, 2);
    text.addEventListener('input', () => {
      const parsed = parseJson(text.value);
      text.setAttribute('aria-invalid', String(parsed === undefined));
      if (parsed === undefined) return;
      body.value = parsed.value;
      changed(false);
    });
    parts.push(field('card-body', tr('jsonBody'), text, tr('jsonBodyHint')));
  }
  const profile = h('input', {
    id: 'card-include-profile',
    type: 'checkbox',
    checked: req.includeProfile === true,
    onchange: () => (profile.checked ? (o.request().includeProfile = true) : delete o.request().includeProfile, changed(false)),
  });
  return h(
    'fieldset',
    { id: 'payload' },
    h('legend', {}, tr('payload')),
    radios,
    ...parts,
    kind === 'json' && h('div', { class: 'check' }, profile, h('label', { for: profile.id }, tr('includeProfile'))),
  );
}

const parseJson = (source: string): { value: unknown } | undefined => {
  try {
    return { value: JSON.parse(source) as unknown };
  } catch {
    return undefined;
  }
};

/** The fields of one JSON object: name, kind (text, object, other JSON), value; `at`: its position (`2.1`). */
function objectEditor(
  target: Json,
  at: number[],
  o: { tr: Tr; groups: Groups; changed: (rebuild: boolean, focus?: string) => void },
): HTMLElement {
  const { tr, changed } = o;
  const keys = Object.keys(target);
  const id = (part: string, n: number[]) => `body-${part}-${n.join('-')}`;
  /** Rename a key in place, keeping the order of the others. */
  const rename = (from: string, to: string) => {
    const entries = Object.entries(target).map(([k, v]): [string, unknown] => [k === from ? to : k, v]);
    for (const k of Object.keys(target)) delete target[k];
    Object.assign(target, Object.fromEntries(entries));
  };
  const items = keys.map((key, i) => {
    const n = [...at, i + 1];
    const path = n.join('.');
    let current = key;
    const value = target[key];
    const kind = typeof value === 'string' ? 'text' : isObject(value) ? 'object' : 'json';
    const name = textInput(
      id('key', n),
      key,
      (v) => {
        const ok = v !== '' && (v === current || !(v in target));
        name.setAttribute('aria-invalid', String(!ok));
        if (!ok) return;
        rename(current, v);
        current = v;
        changed(false);
      },
      { 'aria-label': tr('bodyKey', { n: path }), class: 'key' },
    );
    const kindSelect = h('select', { id: id('kind', n), 'aria-label': tr('bodyKind', { n: path }) });
    for (const k of ['text', 'object', 'json'] as const)
      kindSelect.append(h('option', { value: k, selected: k === kind }, tr(`kind_${k}`)));
    kindSelect.addEventListener('change', () => {
      const v = target[current];
      target[current] =
        kindSelect.value === 'text'
          ? typeof v === 'string'
            ? v
            : (JSON.stringify(v) ?? '')
          : kindSelect.value === 'object'
            ? {}
            : typeof v === 'string'
              ? (parseJson(v)?.value ?? null)
              : v;
      changed(true, id('kind', n));
    });
    let editor: HTMLElement;
    if (kind === 'text') {
      const input = textInput(id('value', n), value, (v) => ((target[current] = v), changed(false)), {
        'aria-label': tr('bodyValue', { n: path }),
      });
      // A value chosen for a field still named `field2` (as Add named it) names it too: `attributes.phone` → `phone`.
      const fill = fillOnChoose(input, tpl, o.groups);
      let namedBy = '';
      const choose = (v: string): boolean => {
        if (!fill(v)) return false;
        const suggested = v.split('.').at(-1) ?? '';
        if ((/^field\d+$/.test(current) || current === namedBy) && /^[A-Za-z_][\w-]*$/.test(suggested) && !(suggested in target)) {
          rename(current, suggested);
          current = namedBy = name.value = suggested;
          changed(false);
        }
        return true;
      };
      editor = h(
        'span',
        { class: 'row' },
        input,
        picker(id('insert', n), tr('valueForBodyField', { n: path }), o.groups, tr, (v) => insertAtCaret(input, tpl(v)), 'insert', choose),
      );
    } else if (kind === 'object') editor = objectEditor(value as Json, n, o);
    else {
      const input = textInput(
        id('value', n),
        JSON.stringify(value) ?? 'null',
        (v) => {
          const parsed = parseJson(v);
          input.setAttribute('aria-invalid', String(parsed === undefined));
          if (parsed === undefined) return;
          target[current] = parsed.value;
          changed(false);
        },
        { 'aria-label': tr('bodyValue', { n: path }), class: 'json' },
      );
      editor = input;
    }
    return h(
      'li',
      { class: 'body-field' },
      h(
        'span',
        { class: 'header-row' },
        name,
        kindSelect,
        kind !== 'object' && editor,
        h(
          'button',
          {
            type: 'button',
            id: id('remove', n),
            'aria-label': tr('removeBodyField', { n: path }),
            onclick: () => (delete target[current], changed(true, at.length ? id('add', at) : 'body-add')),
          },
          '✕',
        ),
      ),
      kind === 'object' && editor,
    );
  });
  const addId = at.length ? id('add', at) : 'body-add';
  const add = h(
    'button',
    {
      type: 'button',
      id: addId,
      onclick: () => {
        let k = keys.length + 1;
        while (`field${k}` in target) k++;
        target[`field${k}`] = '';
        changed(true, id('key', [...at, Object.keys(target).length]));
      },
    },
    at.length ? tr('addBodyFieldIn', { n: at.join('.') }) : tr('addBodyField'),
  );
  return h(
    'div',
    { class: 'body-object' },
    items.length ? h('ul', { class: 'rows' }, ...items) : h('p', { class: 'hint' }, tr('noFields')),
    add,
  );
}
