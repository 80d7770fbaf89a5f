import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RestClient, joinUrl } from '@conclave/sdk';

const JWT = 'eyJhbGciOiJIUzUxMiJ9.eyJyIjoic3RhbmR1cCJ9.c2lnbmF0dXJl-_';

describe('joinUrl()', () => {
  it('puts the token (and the name) in the fragment of <server>/join', () => {
    assert.equal(
      joinUrl('https://video.example.com', 'vpt_6a8e'),
      'https://video.example.com/join#token=vpt_6a8e',
    );
    assert.equal(
      joinUrl('http://127.0.0.1:8080', JWT, { name: 'Ada' }),
      `http://127.0.0.1:8080/join#token=${JWT}&name=Ada`,
    );
  });

  it('URL-encodes the token and the name, so the page reads them back exactly', () => {
    const name = 'Ada Lovelace & co. #1 +more/ü';
    const token = 'odd token&name=x#y';
    const link = joinUrl('https://v.example.com', token, { name });
    assert.equal(
      link,
      'https://v.example.com/join#token=odd%20token%26name%3Dx%23y' +
        '&name=Ada%20Lovelace%20%26%20co.%20%231%20%2Bmore%2F%C3%BC',
    );
    const url = new URL(link);
    assert.equal(url.pathname, '/join');
    assert.equal(url.search, '', 'nothing in the query, which servers log');
    const fragment = new URLSearchParams(url.hash.slice(1));
    assert.equal(fragment.get('token'), token);
    assert.equal(fragment.get('name'), name);
  });

  it('leaves the name out when none is given', () => {
    assert.equal(
      joinUrl('https://v.example.com', 'vpt_1', {}),
      'https://v.example.com/join#token=vpt_1',
    );
    assert.equal(
      joinUrl('https://v.example.com', 'vpt_1', { name: '' }),
      'https://v.example.com/join#token=vpt_1',
    );
  });

  it('normalises the base URL as RestClient does', () => {
    for (const [base, expected] of [
      ['https://video.example.com/', 'https://video.example.com'],
      ['https://video.example.com///', 'https://video.example.com'],
      ['https://x.io/conclave/', 'https://x.io/conclave'],
      ['video.example.com', 'https://video.example.com'],
      ['127.0.0.1:8080', 'http://127.0.0.1:8080'],
      ['localhost:3000', 'http://localhost:3000'],
      ['  HTTP://Video.Example.com:8443/  ', 'http://video.example.com:8443'],
    ] as const) {
      assert.equal(joinUrl(base, 'vpt_1'), `${expected}/join#token=vpt_1`, base);
      const client = new RestClient({ project: 'p', token: 't', host: base });
      assert.equal(joinUrl(base, 'vpt_1'), `${client.baseUrl}/join#token=vpt_1`, base);
    }
  });
});
