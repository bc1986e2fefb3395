/**
 * Which failed answers the page trusts as the key server's refusal (issue 17, lie-fi / captive
 * portal): only those drop the stored keys or replace the doors; everything else is "offline".
 * Repro of the attack: scripts/attack-repro-17/liefi-sync-refusal.ts.
 */
import { describe, expect, it } from 'vitest';
import { serverRefusal, type AnswerSeen } from '../../src/web/api.ts';

const json = 'application/json; charset=utf-8';
const envelope = (type: string, message = 'm') => ({ error: { type, message, request_id: 'r' }, ok: false });
const answer = (over: Partial<AnswerSeen>): AnswerSeen => ({ status: 404, redirected: false, contentType: json, json: envelope('device_not_found'), ...over });

describe('serverRefusal', () => {
  it('trusts our server’s Seam error envelope with a known type and its own status', () => {
    expect(serverRefusal(answer({}))).toEqual({ type: 'device_not_found', message: 'm' });
    expect(serverRefusal(answer({ status: 401, json: envelope('unauthorized') }))?.type).toBe('unauthorized');
    expect(serverRefusal(answer({ status: 404, json: envelope('instant_key_not_found') }))?.type).toBe('instant_key_not_found');
    expect(serverRefusal(answer({ status: 400, json: envelope('invalid_input') }))?.type).toBe('invalid_input');
  });

  it('treats a captive portal’s or proxy’s answer as the network failing', () => {
    // a portal's 404 page, a proxy's 503 page
    expect(serverRefusal(answer({ contentType: 'text/html', json: undefined }))).toBeUndefined();
    expect(serverRefusal(answer({ status: 503, contentType: 'text/html', json: undefined }))).toBeUndefined();
    // a gateway error even in JSON, and our own 500: retry, never a refusal
    expect(serverRefusal(answer({ status: 502, json: envelope('not_found') }))).toBeUndefined();
    expect(serverRefusal(answer({ status: 500, json: envelope('internal_error') }))).toBeUndefined();
    // the portal's redirect followed to its login page, also when that page is a JSON 404
    expect(serverRefusal(answer({ status: 200, redirected: true, contentType: 'text/html', json: undefined }))).toBeUndefined();
    expect(serverRefusal(answer({ redirected: true }))).toBeUndefined();
    // JSON that is not our envelope, an unknown type, a type with another status
    expect(serverRefusal(answer({ json: { message: 'Not Found', statusCode: 404 } }))).toBeUndefined();
    expect(serverRefusal(answer({ json: envelope('portal_login_required') }))).toBeUndefined();
    expect(serverRefusal(answer({ json: envelope('invalid_input') }))).toBeUndefined();
    expect(serverRefusal(answer({ json: { error: { type: 'device_not_found' }, ok: true } }))).toBeUndefined();
    expect(serverRefusal(answer({ json: envelope('toString') }))).toBeUndefined();
    expect(serverRefusal(answer({ contentType: null }))).toBeUndefined();
  });
});
