/**
 * The API client: one `requestAPI`, with @jupyterlab/services mocked.
 */
const makeRequest = jest.fn();

jest.mock('@jupyterlab/services', () => ({
  ServerConnection: {
    makeSettings: () => ({ baseUrl: 'http://localhost:8888/lab-base/' }),
    makeRequest: (...args: unknown[]) => makeRequest(...args)
  }
}));

import { api, MlopsAPIError, queryString, requestAPI } from '../src/api';

function reply(status: number, body: unknown, statusText = ''): Response {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText,
    text: async () => text
  } as Response;
}

beforeEach(() => makeRequest.mockReset());

test('requestAPI joins the base url and the namespace and parses JSON', async () => {
  makeRequest.mockResolvedValue(reply(200, { version: '0.1.0' }));
  const data = await requestAPI<{ version: string }>('settings');
  expect(data.version).toBe('0.1.0');
  expect(makeRequest.mock.calls[0][0]).toBe('http://localhost:8888/lab-base/mlops/api/settings');
});

test('a JSON error reply becomes an MlopsAPIError with the server message', async () => {
  makeRequest.mockResolvedValue(
    reply(400, { message: 'limit: expected a whole number >= 1', error: 'InvalidArgument', status: 400 })
  );
  const failure = requestAPI('runs?limit=0');
  await expect(failure).rejects.toBeInstanceOf(MlopsAPIError);
  await expect(failure).rejects.toMatchObject({
    status: 400,
    error: 'InvalidArgument',
    message: 'limit: expected a whole number >= 1'
  });
});

test('a non-JSON error keeps the status text', async () => {
  makeRequest.mockResolvedValue(reply(502, '<html>bad gateway</html>', 'Bad Gateway'));
  await expect(requestAPI('runs')).rejects.toMatchObject({ status: 502, message: 'Bad Gateway' });
});

test('a network failure is an MlopsAPIError with status 0', async () => {
  makeRequest.mockRejectedValue(new TypeError('Failed to fetch'));
  await expect(requestAPI('runs')).rejects.toMatchObject({ status: 0, error: 'NetworkError' });
});

test('an empty body is null', async () => {
  makeRequest.mockResolvedValue(reply(200, ''));
  await expect(requestAPI('x')).resolves.toBeNull();
});

test('queryString skips empty values and repeats arrays', () => {
  expect(queryString({ a: 1, b: '', c: undefined, d: null })).toBe('?a=1');
  expect(queryString({ experiment: ['x', 'y'] })).toBe('?experiment=x&experiment=y');
  expect(queryString({ filter: "params.m = 'rf'" })).toBe('?filter=params.m+%3D+%27rf%27');
  expect(queryString({})).toBe('');
});

test('typed calls build the right endpoints and POST JSON', async () => {
  makeRequest.mockResolvedValue(reply(200, { tags: { a: 'b' } }));
  await api.tagRun('abc/def', { a: 'b' });
  const [url, init] = makeRequest.mock.calls[0];
  expect(url).toBe('http://localhost:8888/lab-base/mlops/api/runs/abc%2Fdef/tags');
  expect(init.method).toBe('POST');
  expect(JSON.parse(init.body)).toEqual({ tags: { a: 'b' } });

  makeRequest.mockResolvedValue(reply(200, { steps: [] }));
  await api.metric('r1', 'train/loss');
  expect(makeRequest.mock.calls[1][0]).toBe(
    'http://localhost:8888/lab-base/mlops/api/runs/r1/metrics/train/loss'
  );
  await api.runs({ limit: 10, offset: 20, filter: '' });
  expect(makeRequest.mock.calls[2][0]).toBe(
    'http://localhost:8888/lab-base/mlops/api/runs?limit=10&offset=20'
  );
});

test('compare repeats run_id', async () => {
  makeRequest.mockResolvedValue(reply(200, { runs: [], curves: { data: [] }, latest: { data: [] } }));
  await api.compare(['a1', 'b2']);
  expect(makeRequest.mock.calls[0][0]).toBe(
    'http://localhost:8888/lab-base/mlops/api/compare?run_id=a1&run_id=b2'
  );
});
