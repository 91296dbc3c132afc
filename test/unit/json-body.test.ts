import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, JsonBody } from '../../server/http/json-body.js';

test('acceptsGzip reads Accept-Encoding as browsers and proxies write it', () => {
  assert.ok(acceptsGzip('gzip, deflate, br, zstd'));
  assert.ok(acceptsGzip('br;q=1.0, GZIP;q=0.5'));
  assert.ok(acceptsGzip('x-gzip'));
  assert.ok(!acceptsGzip(undefined));
  assert.ok(!acceptsGzip(''));
  assert.ok(!acceptsGzip('identity'));
  assert.ok(!acceptsGzip('gzip;q=0, deflate'));
  assert.ok(!acceptsGzip('gzipped'));
});

test('a kept body gzips once, to the same bytes', () => {
  const body = new JsonBody(Buffer.from(JSON.stringify({ hosts: Array(1000).fill({ name: 'héllo' }) })));
  const gz = body.gzip();
  assert.equal(body.gzip(), gz, 'made once');
  assert.ok(gz.length < body.bytes.length / 10);
  assert.deepEqual(gunzipSync(gz), body.bytes);
});
