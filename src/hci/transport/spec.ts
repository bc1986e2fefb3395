/**
 * Where a host's HCI controller is: the `--lock-hci` / `--phone-hci` syntax, parsed once.
 *
 * Why one parser: the CLI, the test helpers and `startVirtualBle` all take the same strings, and a
 * bad one must fail before anything starts, with a stable code (HciSpecError.code) a script can
 * match. Syntax (docs/HIL.md):
 * - `virtual`                 latchkey's in-process controller on the virtual air;
 * - `tcp:HOST:PORT`           H4 over TCP (latchkey hci serve, Bumble, Android Rootcanal); HOST a DNS
 *                             name, an IPv4 address or a bracketed IPv6 address; PORT 1..65535;
 * - `serial:/dev/PATH[@BAUD]` H4 over a UART or pseudo-terminal (Zephyr hci_uart), default 1000000;
 *                             any absolute path (a pty link from `latchkey hci serve --pty` lives in /tmp);
 * - `usb:VID:PID[:BUS:ADDR]`  @abandonware/bluetooth-hci-socket's libusb path; VID/PID in hex
 *                             (as lsusb prints them), BUS/ADDR decimal (as lsusb prints them);
 * - `hciN`                    a kernel adapter through the native raw socket (BlueZ machines).
 */

import { isIPv4, isIPv6 } from 'node:net';

export type HciTransportSpec =
  | { readonly kind: 'virtual' }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'serial'; readonly path: string; readonly baud: number }
  | { readonly kind: 'usb'; readonly vendorId: number; readonly productId: number; readonly bus: number | null; readonly address: number | null }
  | { readonly kind: 'kernel'; readonly adapter: `hci${number}` };

export type HciSpecErrorCode =
  | 'hci_spec_empty'
  | 'hci_spec_unknown_kind'
  | 'hci_spec_bad_host'
  | 'hci_spec_bad_port'
  | 'hci_spec_bad_path'
  | 'hci_spec_bad_baud'
  | 'hci_spec_bad_usb_id'
  | 'hci_spec_bad_usb_location';

export class HciSpecError extends RangeError {
  readonly code: HciSpecErrorCode;
  constructor(code: HciSpecErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'HciSpecError';
    this.code = code;
  }
}

/** Baud rates a Linux tty accepts through stty (termios B* constants up to 4 Mbaud). */
export const serialBaudRates = [9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000, 2500000, 3000000, 3500000, 4000000] as const;
/** Zephyr's hci_uart default (samples/bluetooth/hci_uart: current-speed = <1000000>). */
export const serialBaudDefault = 1_000_000;
const specLengthMax = 512;

function parsePort(text: string, spec: string): number {
  if (!/^[1-9]\d{0,4}$/.test(text)) throw new HciSpecError('hci_spec_bad_port', `port must be 1..65535 in ${JSON.stringify(spec)}`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new HciSpecError('hci_spec_bad_port', `port must be 1..65535 in ${JSON.stringify(spec)}`);
  return port;
}

/** A DNS name as RFC 1123 §2.1 allows it (underscores too: container names use them). */
const hostLabel = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

function hostValid(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  if (/^[\d.]+$/.test(host)) return isIPv4(host); // all digits and dots: an IPv4 address or nothing
  const labels = (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  return labels.every((label) => hostLabel.test(label));
}

function parseTcp(rest: string, spec: string): HciTransportSpec {
  const colon = rest.lastIndexOf(':');
  if (colon <= 0) throw new HciSpecError('hci_spec_bad_host', `expected tcp:HOST:PORT, got ${JSON.stringify(spec)}`);
  const written = rest.slice(0, colon);
  if (written.startsWith('[') && written.endsWith(']')) {
    const host = written.slice(1, -1); // [::1]
    if (!isIPv6(host)) throw new HciSpecError('hci_spec_bad_host', `brackets hold an IPv6 address, got ${JSON.stringify(spec)}`);
    return { kind: 'tcp', host, port: parsePort(rest.slice(colon + 1), spec) };
  }
  if (written.includes(':')) throw new HciSpecError('hci_spec_bad_host', `an IPv6 host goes in brackets (tcp:[::1]:PORT), got ${JSON.stringify(spec)}`);
  if (!hostValid(written)) throw new HciSpecError('hci_spec_bad_host', `host must be a DNS name or an IPv4 address in ${JSON.stringify(spec)}`);
  return { kind: 'tcp', host: written, port: parsePort(rest.slice(colon + 1), spec) };
}

function parseSerial(rest: string, spec: string): HciTransportSpec {
  const at = rest.lastIndexOf('@');
  const path = at >= 0 ? rest.slice(0, at) : rest;
  // ':' and '+' occur in udev links (/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0) and pty names.
  if (!/^\/[A-Za-z0-9._/:+-]+$/.test(path) || path.split('/').includes('..')) {
    throw new HciSpecError('hci_spec_bad_path', `expected serial:/dev/PATH[@BAUD], got ${JSON.stringify(spec)}`);
  }
  if (at < 0) return { kind: 'serial', path, baud: serialBaudDefault };
  const baudText = rest.slice(at + 1);
  const baud = /^\d{4,7}$/.test(baudText) ? Number(baudText) : NaN;
  if (!(serialBaudRates as readonly number[]).includes(baud)) {
    throw new HciSpecError('hci_spec_bad_baud', `baud must be one of ${serialBaudRates.join(', ')} in ${JSON.stringify(spec)}`);
  }
  return { kind: 'serial', path, baud };
}

function parseUsb(rest: string, spec: string): HciTransportSpec {
  const parts = rest.split(':');
  if (parts.length !== 2 && parts.length !== 4) throw new HciSpecError('hci_spec_bad_usb_id', `expected usb:VID:PID[:BUS:ADDR], got ${JSON.stringify(spec)}`);
  const hexId = (text: string, what: string): number => {
    const cleaned = text.replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{1,4}$/.test(cleaned)) throw new HciSpecError('hci_spec_bad_usb_id', `${what} must be 1–4 hex digits (as lsusb prints it) in ${JSON.stringify(spec)}`);
    return Number.parseInt(cleaned, 16);
  };
  const decimal = (text: string, what: string, max: number): number => {
    if (!/^\d{1,3}$/.test(text) || Number(text) > max) throw new HciSpecError('hci_spec_bad_usb_location', `${what} must be decimal 0..${max} (as lsusb prints it) in ${JSON.stringify(spec)}`);
    return Number(text);
  };
  const vendorId = hexId(parts[0]!, 'VID');
  const productId = hexId(parts[1]!, 'PID');
  if (parts.length === 2) return { kind: 'usb', vendorId, productId, bus: null, address: null };
  return { kind: 'usb', vendorId, productId, bus: decimal(parts[2]!, 'BUS', 255), address: decimal(parts[3]!, 'ADDR', 127) };
}

export function parseHciTransportSpec(spec: string): HciTransportSpec {
  if (typeof spec !== 'string' || spec.length === 0) throw new HciSpecError('hci_spec_empty', 'empty controller spec');
  if (spec.length > specLengthMax) throw new HciSpecError('hci_spec_unknown_kind', `controller spec longer than ${specLengthMax} characters`);
  if (spec === 'virtual') return { kind: 'virtual' };
  if (/^hci\d{1,3}$/.test(spec)) return { kind: 'kernel', adapter: spec as `hci${number}` };
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'tcp') return parseTcp(rest, spec);
  if (kind === 'serial') return parseSerial(rest, spec);
  if (kind === 'usb') return parseUsb(rest, spec);
  throw new HciSpecError('hci_spec_unknown_kind', `expected virtual, tcp:HOST:PORT, serial:/dev/PATH[@BAUD], usb:VID:PID[:BUS:ADDR] or hciN, got ${JSON.stringify(spec)}`);
}

/** The canonical text of a spec (what `parseHciTransportSpec` reads back to the same value). */
export function formatHciTransportSpec(spec: HciTransportSpec): string {
  const hex4 = (value: number): string => value.toString(16).padStart(4, '0');
  switch (spec.kind) {
    case 'virtual':
      return 'virtual';
    case 'kernel':
      return spec.adapter;
    case 'tcp':
      return `tcp:${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${spec.port}`;
    case 'serial':
      return `serial:${spec.path}@${spec.baud}`;
    case 'usb':
      return `usb:${hex4(spec.vendorId)}:${hex4(spec.productId)}${spec.bus === null ? '' : `:${spec.bus}:${spec.address}`}`;
  }
}

/**
 * The environment that makes @abandonware/bluetooth-hci-socket take its libusb path for this
 * device. Its index.js selects lib/usb.js when BLUETOOTH_HCI_SOCKET_FORCE_USB is set (on Linux);
 * lib/usb.js reads VID/PID/BUS/ADDRESS with parseInt(…, 10): they must be written in DECIMAL.
 */
export function usbEnvironment(spec: Extract<HciTransportSpec, { kind: 'usb' }>): Record<string, string> {
  return {
    BLUETOOTH_HCI_SOCKET_FORCE_USB: '1',
    BLUETOOTH_HCI_SOCKET_USB_VID: String(spec.vendorId),
    BLUETOOTH_HCI_SOCKET_USB_PID: String(spec.productId),
    ...(spec.bus === null ? {} : { BLUETOOTH_HCI_SOCKET_USB_BUS: String(spec.bus), BLUETOOTH_HCI_SOCKET_USB_ADDRESS: String(spec.address) }),
  };
}
