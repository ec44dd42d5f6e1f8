const makeRequest = jest.fn();

jest.mock('@jupyterlab/services', () => ({
  ServerConnection: {
    makeSettings: () => ({ baseUrl: '/' }),
    makeRequest: (...args: unknown[]) => makeRequest(...args)
  }
}));

import { promoteNotebook } from '../src/promote';

function reply(status: number, body: unknown): Response {
  return { ok: status < 300, status, statusText: '', text: async () => JSON.stringify(body) } as Response;
}

test('a promotion is summarised with its parameters and how to run it', async () => {
  makeRequest.mockResolvedValue(
    reply(201, {
      name: 'train',
      path: 'pipelines/train',
      parameters: [{ name: 'alpha' }, { name: 'n' }],
      dropped: [{ index: 3, reason: 'display only' }]
    })
  );
  const message = await promoteNotebook('work/train.ipynb');
  expect(message.ok).toBe(true);
  expect(message.body).toContain('alpha, n');
  expect(message.body).toContain('Cells left out: 1');
  expect(message.body).toContain('jupyter mlops pipeline run train');
  expect(JSON.parse(makeRequest.mock.calls[0][1].body)).toEqual({ notebook: 'work/train.ipynb' });
});

test('a refused promotion shows the server message', async () => {
  makeRequest.mockResolvedValue(
    reply(400, { message: 'notebook: expected a path to an .ipynb notebook', error: 'InvalidArgument' })
  );
  const message = await promoteNotebook('x.txt');
  expect(message.ok).toBe(false);
  expect(message.body).toMatch(/ipynb/);
});
