/**
 * The page's first, tiny script (inlined at the top of <body> by page-html.ts, a classic script: it
 * runs as soon as the parser reaches it, while the big module script is still arriving). On a
 * first visit whose page came with the link opened (Server-Timing `lk-session` / `lk-challenge`,
 * src/web/serve.ts) it makes the holder key (WebCrypto P-256, non-extractable, in IndexedDB exactly
 * as src/web/holder-key.ts keeps it), signs the registration proof (src/phone/registration-proof.ts:
 * CBOR [label, challenge, SHA-256(token), key]) and posts `phones/register` — so on slow 3G the one
 * API round trip overlaps the bundle's download instead of following it. `window.__lkBoot` is the
 * promise of `{ token, status, json }` (or undefined: nothing to do, or it failed before the call);
 * app.ts waits for it before touching the holder key and uses the answer (src/web/api.ts registerLink).
 *
 * Plain ES2017 in a string: the CSP hashes exactly these bytes. `registrationCbor` is also exported
 * as source so a test can hold it against registrationSignedBytes.
 */
export const registrationCborSource = `function lkCbor(label, challenge, tokenHash, key) {
  var text = new TextEncoder().encode(label);
  var parts = [[0x84]];
  function head(major, length) { return length < 24 ? [major | length] : [major | 24, length]; }
  parts.push(head(0x60, text.length), text);
  [challenge, tokenHash, key].forEach(function (bytes) { parts.push(head(0x40, bytes.length), bytes); });
  var size = 0; parts.forEach(function (p) { size += p.length; });
  var out = new Uint8Array(size), at = 0;
  parts.forEach(function (p) { out.set(p, at); at += p.length; });
  return out;
}`;

export const bootScript = `(function () {
  var navigation = performance.getEntriesByType('navigation')[0];
  var timing = (navigation && navigation.serverTiming) || [];
  function entry(name) { for (var i = 0; i < timing.length; i++) if (timing[i].name === name) return timing[i].description; }
  var token = entry('lk-session'), challenge = entry('lk-challenge');
  if (!token || !challenge || !window.indexedDB || !window.crypto || !crypto.subtle) return;
  ${registrationCborSource}
  function fromB64u(text) { var s = atob(text.replace(/-/g, '+').replace(/_/g, '/')); var out = new Uint8Array(s.length); for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i); return out; }
  function toB64u(bytes) { var s = ''; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, ''); }
  function store(mode, action) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open('latchkey', 1);
      open.onupgradeneeded = function () { open.result.createObjectStore('kv'); };
      open.onerror = function () { reject(open.error); };
      open.onsuccess = function () {
        var db = open.result, tx = db.transaction('kv', mode), request = action(tx.objectStore('kv'));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      };
    });
  }
  window.__lkBoot = (async function () {
    if ((await store('readonly', function (s) { return s.get('link:' + location.pathname); })) !== undefined) return undefined;
    var pair = await store('readonly', function (s) { return s.get('holder-key'); });
    if (pair === undefined) {
      pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      await store('readwrite', function (s) { return s.put(pair, 'holder-key'); });
    }
    var raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
    var key = new Uint8Array(33); key[0] = 2 | (raw[64] & 1); key.set(raw.subarray(1, 33), 1);
    var tokenHash = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
    var message = lkCbor('latchkey/1 phone registration', fromB64u(challenge), tokenHash, key);
    var signature = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, message));
    var response = await fetch('/instant_key_app/phones/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify({ public_key: toB64u(key), challenge: challenge, signature: toB64u(signature), display_name: 'Web browser', device_type: /android/i.test(navigator.userAgent) ? 'android_phone' : 'ios_phone' }),
    });
    var json = await response.json().catch(function () { return {}; });
    return { token: token, status: response.status, json: json };
  })().catch(function () { return undefined; });
})();`;
