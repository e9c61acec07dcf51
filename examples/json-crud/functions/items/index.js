// A JSON CRUD API behind `ANY /{proxy+}` (Lambda proxy integration): the
// event is the whole HTTP request, the result is the whole response.
//
//   GET /items          every item
//   POST /items         create one from the JSON body (201, with its id)
//   GET /items/ID       one item (404 when there is none)
//   PUT /items/ID       replace it
//   DELETE /items/ID    delete it (204)
//
// The items live in the file named by DATA_FILE, not in memory: Lambda runs
// a function in as many environments as there are concurrent requests, and
// each has its own memory, so only a shared file gives them all the same data.
const fs = require('fs');
const crypto = require('crypto');

const file = process.env.DATA_FILE;

function load() {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    if (e.code === 'ENOENT') return {};
    throw e;
  }
}

function save(items) {
  // Write a temporary file, then rename it: a reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(items, null, 2));
  fs.renameSync(tmp, file);
}

function reply(statusCode, body) {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

function parse(body, isBase64Encoded) {
  const text = isBase64Encoded ? Buffer.from(body || '', 'base64').toString('utf8') : body;
  try {
    const value = JSON.parse(text || '');
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch (e) {
    return undefined;
  }
}

exports.handle = async (event) => {
  // `{proxy+}` never matches `/`, and the root has its own ANY method.
  const parts = ((event.pathParameters || {}).proxy || '').split('/').filter(Boolean);
  const method = event.httpMethod;
  console.log(method, '/' + parts.join('/'));
  if (parts[0] !== 'items' || parts.length > 2) {
    return reply(404, { message: `no route for ${method} ${event.path}` });
  }
  const items = load();
  const id = parts[1];
  if (id === undefined) {
    if (method === 'GET') return reply(200, Object.values(items));
    if (method === 'POST') {
      const item = parse(event.body, event.isBase64Encoded);
      if (!item) return reply(400, { message: 'the body must be a JSON object' });
      item.id = crypto.randomUUID();
      items[item.id] = item;
      save(items);
      return reply(201, item);
    }
    return reply(405, { message: `${method} is not allowed on /items` });
  }
  if (method === 'PUT') {
    const item = parse(event.body, event.isBase64Encoded);
    if (!item) return reply(400, { message: 'the body must be a JSON object' });
    item.id = id;
    items[id] = item;
    save(items);
    return reply(200, item);
  }
  if (!(id in items)) return reply(404, { message: `no item ${id}` });
  if (method === 'GET') return reply(200, items[id]);
  if (method === 'DELETE') {
    delete items[id];
    save(items);
    return reply(204);
  }
  return reply(405, { message: `${method} is not allowed on /items/${id}` });
};
