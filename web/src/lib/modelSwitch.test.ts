import { describe, expect, it } from 'vitest';
import type { ModelDetail, ModelInfo, ModelTable } from './models';
import {
  baseSchemaCandidates,
  type ContextCalls,
  findModelContext,
  fixedColumnsReason,
  modelLabel,
  modelNotice,
  modelRoute,
  switchTable,
} from './modelSwitch';
import { routeUrl } from './route';

const model = (id: number, pgSchema: string, current: boolean): ModelInfo => ({
  id,
  name: `v${id}`,
  createdAt: null,
  steps: id - 1,
  pgSchema,
  current,
  op: id === 1 ? null : 'extract',
  summary: id === 1 ? 'The tables as imported' : 'Extracted Customer Name, City of orders into customers',
  action: null,
});

const col = (name: string, table: string, column = name) => ({ name, type: 'text', table, column });

/** Model v1 (flat orders) and v2 (orders linking to customers), as the API describes them. */
const flat: ModelDetail = {
  model: model(1, 'my "schema"_v1', false),
  tables: [
    {
      name: 'orders',
      pgSchema: 'my "schema"_v1',
      key: 'id',
      columns: [col('id', 'my "schema".orders'), col('Customer Name', 'my "schema".customers'), col('City', 'my "schema".customers')],
      links: [],
    },
  ],
};
const split: ModelDetail = {
  model: model(2, 'my "schema"', true),
  tables: [
    {
      name: 'orders',
      pgSchema: 'my "schema"',
      key: 'id',
      columns: [col('id', 'my "schema".orders'), col('customers_id', 'my "schema".orders')],
      links: [{ column: 'customers_id', table: 'customers' }],
    },
    {
      name: 'customers',
      pgSchema: 'my "schema"',
      key: 'id',
      columns: [col('id', 'my "schema".customers'), col('Customer Name', 'my "schema".customers'), col('City', 'my "schema".customers')],
      links: [],
    },
  ],
};

describe('which schema an earlier model belongs to', () => {
  it('reads the schema back from its models’ schema name, exact first', () => {
    const schemas = ['public', 'public_v1', 'pub', 'public_v2_2', 'sales'];
    expect(baseSchemaCandidates('public_v1', schemas)).toEqual(['public', 'public_v2_2']);
    expect(baseSchemaCandidates('public_v1_2', schemas)).toEqual(['public', 'public_v1', 'public_v2_2']);
    expect(baseSchemaCandidates('my "schema"_v12', ['my "schema"', 'x'])).toEqual(['my "schema"']);
  });

  it('finds a schema whose name was cut short to fit 63 bytes', () => {
    expect(baseSchemaCandidates('sales_reg_v1', ['other', 'sales_region_2024', 'sales_reg'])).toEqual(['sales_reg', 'sales_region_2024']);
  });

  it('has none for a name that is not a model’s', () => {
    expect(baseSchemaCandidates('public', ['public'])).toEqual([]);
    expect(baseSchemaCandidates('_v1', ['x'])).toEqual([]);
  });
});

describe('whose model the grid shows', () => {
  const schemas = ['my "schema"', 'my "schema"_v1', 'other'];
  const listed: Record<string, ModelInfo[]> = {
    'my "schema"': [flat.model, split.model],
    'my "schema"_v1': [model(1, 'my "schema"_v1', true)],
    other: [model(1, 'other', true)],
  };
  const calls = (seen: string[] = []): ContextCalls => ({
    listModels: (_db, schema) => {
      seen.push(schema);
      const models = listed[schema];
      return models ? Promise.resolve(models) : Promise.reject(new Error('404'));
    },
    listSchemas: () => Promise.resolve(schemas),
  });

  it('the current model of a schema that had steps', async () => {
    const context = await findModelContext('main', 'my "schema"', calls());
    expect(context.schema).toBe('my "schema"');
    expect(context.viewing.id).toBe(2);
    expect(context.models).toHaveLength(2);
  });

  it('an earlier model, from its views’ schema', async () => {
    const seen: string[] = [];
    const context = await findModelContext('main', 'my "schema"_v1', calls(seen));
    expect(context.schema).toBe('my "schema"');
    expect(context.viewing).toMatchObject({ id: 1, current: false });
    expect(seen).toEqual(['my "schema"_v1', 'my "schema"']);
  });

  it('the one model of a schema that never had a step', async () => {
    const context = await findModelContext('main', 'other', calls());
    expect(context).toMatchObject({ schema: 'other', viewing: { id: 1, current: true } });
    expect(context.models).toHaveLength(1);
  });

  it('refuses to guess when nothing answers', async () => {
    await expect(findModelContext('main', 'gone_v1', calls())).rejects.toThrow(/gone_v1/);
  });
});

describe('switching model', () => {
  it('opens the table anchored on the same rows', () => {
    expect(switchTable('orders', split, flat)).toBe('orders');
    expect(switchTable('orders', flat, split)).toBe('orders');
  });

  it('opens the flat table that reads an extracted table', () => {
    expect(switchTable('customers', split, flat)).toBe('orders');
  });

  it('follows a renamed table by its anchor', () => {
    const renamed: ModelDetail = {
      model: model(3, 'my "schema"', true),
      tables: split.tables.map((t): ModelTable => (t.name === 'orders' ? { ...t, name: 'sales' } : t)),
    };
    expect(switchTable('orders', split, renamed)).toBe('sales');
    expect(switchTable('sales', renamed, split)).toBe('orders');
  });

  it('falls back to the same name, then the first table, then nothing', () => {
    const keyless: ModelDetail = { model: flat.model, tables: [{ ...flat.tables[0]!, key: null }] };
    expect(switchTable('orders', keyless, split)).toBe('orders');
    expect(switchTable('missing', flat, split)).toBe('orders');
    expect(switchTable('orders', flat, { model: split.model, tables: [] })).toBeNull();
  });

  it('navigates to the model’s schema', () => {
    const route = modelRoute('main', flat.model, 'orders');
    expect(route).toEqual({ db: 'main', schema: 'my "schema"_v1', table: 'orders' });
    expect(routeUrl(route)).toBe('/db/main/my%20%22schema%22_v1/orders');
    expect(routeUrl(modelRoute('main', split.model, 'customers'))).toBe('/db/main/my%20%22schema%22/customers');
  });

  it('says which model is shown', () => {
    expect(modelNotice(flat.model)).toBe('Model v1 — earlier model; edits go to the current tables.');
    expect(modelNotice(split.model)).toBeNull();
    expect(modelLabel(split.model)).toBe('v2 (current): Extracted Customer Name, City of orders into customers');
    expect(modelLabel(flat.model)).toBe('v1 — earlier: The tables as imported');
  });

  it('says why an earlier model cannot change its columns', () => {
    const models = [flat.model, split.model];
    expect(fixedColumnsReason({ schema: 'public', models, viewing: flat.model })).toBe(
      'Model v1 is an earlier model, whose columns cannot change: switch to the current model (v2) to rename, retype or delete a column. Editing values works here.',
    );
    expect(fixedColumnsReason({ schema: 'public', models, viewing: split.model })).toBeNull();
  });
});
