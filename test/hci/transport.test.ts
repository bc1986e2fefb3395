/**
 * Transport specs (`--lock-hci` / `--phone-hci` syntax) with their stable error codes, and H4
 * framing over a byte stream: arbitrary chunking, and resync after a corrupted indicator octet.
 */
import { describe, expect, it } from 'vitest';
import { H4StreamParser } from '../../src/hci/transport/h4-stream.ts';
import { formatHciTransportSpec, HciSpecError, parseHciTransportSpec, usbEnvironment } from '../../src/hci/transport/spec.ts';

function codeOf(text: string): string | null {
  try {
    parseHciTransportSpec(text);
    return null;
  } catch (error) {
    if (!(error instanceof HciSpecError)) throw error;
    expect(error.message.startsWith(`${error.code}: `)).toBe(true);
    return error.code;
  }
}

describe('controller transport specs', () => {
  it('parses every kind', () => {
    expect(parseHciTransportSpec('virtual')).toEqual({ kind: 'virtual' });
    expect(parseHciTransportSpec('hci0')).toEqual({ kind: 'kernel', adapter: 'hci0' });
    expect(parseHciTransportSpec('tcp:127.0.0.1:9000')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(parseHciTransportSpec('tcp:[::1]:1')).toEqual({ kind: 'tcp', host: '::1', port: 1 });
    expect(parseHciTransportSpec('tcp:rig-7.local:65535')).toEqual({ kind: 'tcp', host: 'rig-7.local', port: 65535 });
    expect(parseHciTransportSpec('serial:/dev/ttyACM0')).toEqual({ kind: 'serial', path: '/dev/ttyACM0', baud: 1_000_000 });
    expect(parseHciTransportSpec('serial:/dev/serial/by-id/usb-ZEPHYR_nRF52840-if00@115200')).toEqual({ kind: 'serial', path: '/dev/serial/by-id/usb-ZEPHYR_nRF52840-if00', baud: 115200 });
    expect(parseHciTransportSpec('usb:1915:521f')).toEqual({ kind: 'usb', vendorId: 0x1915, productId: 0x521f, bus: null, address: null });
    expect(parseHciTransportSpec('usb:0x2fe3:0100:3:17')).toEqual({ kind: 'usb', vendorId: 0x2fe3, productId: 0x0100, bus: 3, address: 17 });
  });

  it('formats back to text that parses to the same value', () => {
    for (const text of ['virtual', 'hci2', 'tcp:10.0.0.2:6402', 'tcp:[::1]:7', 'serial:/dev/ttyACM0@1000000', 'usb:1915:521f', 'usb:2fe3:0100:3:17']) {
      const spec = parseHciTransportSpec(text);
      expect(parseHciTransportSpec(formatHciTransportSpec(spec))).toEqual(spec);
    }
  });

  it('refuses bad specs with stable codes', () => {
    expect(codeOf('')).toBe('hci_spec_empty');
    expect(codeOf('bluetooth')).toBe('hci_spec_unknown_kind');
    expect(codeOf('udp:1.2.3.4:5')).toBe('hci_spec_unknown_kind');
    expect(codeOf('x'.repeat(600))).toBe('hci_spec_unknown_kind');
    expect(codeOf('tcp:9000')).toBe('hci_spec_bad_host');
    expect(codeOf('tcp:host name:9000')).toBe('hci_spec_bad_host');
    expect(codeOf('tcp:localhost:0')).toBe('hci_spec_bad_port');
    expect(codeOf('tcp:localhost:65536')).toBe('hci_spec_bad_port');
    expect(codeOf('tcp:localhost:http')).toBe('hci_spec_bad_port');
    expect(codeOf('serial:ttyACM0')).toBe('hci_spec_bad_path');
    expect(codeOf('serial:/dev/../etc/passwd')).toBe('hci_spec_bad_path');
    expect(codeOf('serial:/dev/tty;rm')).toBe('hci_spec_bad_path');
    expect(codeOf('serial:/dev/ttyACM0@1234')).toBe('hci_spec_bad_baud');
    expect(codeOf('serial:/dev/ttyACM0@fast')).toBe('hci_spec_bad_baud');
    expect(codeOf('usb:1915')).toBe('hci_spec_bad_usb_id');
    expect(codeOf('usb:1915:52g1')).toBe('hci_spec_bad_usb_id');
    expect(codeOf('usb:19150:521f')).toBe('hci_spec_bad_usb_id');
    expect(codeOf('usb:1915:521f:3')).toBe('hci_spec_bad_usb_id');
    expect(codeOf('usb:1915:521f:256:1')).toBe('hci_spec_bad_usb_location');
    expect(codeOf('usb:1915:521f:1:0x5')).toBe('hci_spec_bad_usb_location');
  });

  // Both directions of the attack on issue 16: real device paths that were refused, nonsense hosts that were accepted.
  it.each([
    ['serial:/dev/serial/by-id/usb-ZEPHYR_Zephyr_HCI_UART_sample_0123-if00:1.0', '/dev/serial/by-id/usb-ZEPHYR_Zephyr_HCI_UART_sample_0123-if00:1.0', 1_000_000],
    ['serial:/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0@115200', '/dev/serial/by-path/pci-0000:00:14.0-usb-0:1:1.0', 115200],
    ['serial:/tmp/latchkey-hci-pty-x/c++hci0', '/tmp/latchkey-hci-pty-x/c++hci0', 1_000_000],
  ])('accepts the device path in %s', (text, path, baud) => {
    expect(parseHciTransportSpec(text)).toEqual({ kind: 'serial', path, baud });
    expect(parseHciTransportSpec(formatHciTransportSpec(parseHciTransportSpec(text)))).toEqual({ kind: 'serial', path, baud });
  });

  it.each([
    ['tcp:localhost:1', 'localhost'],
    ['tcp:bumble_controller:6402', 'bumble_controller'],
    ['tcp:rig-7.lab.example.:9000', 'rig-7.lab.example.'],
    ['tcp:192.168.1.20:6402', '192.168.1.20'],
    ['tcp:[fe80::1]:6402', 'fe80::1'],
  ])('accepts the tcp host in %s', (text, host) => {
    expect(parseHciTransportSpec(text)).toMatchObject({ kind: 'tcp', host });
  });

  it.each([
    ['tcp::9000', 'hci_spec_bad_host'],
    ['tcp:[]:9000', 'hci_spec_bad_host'],
    ['tcp: :9000', 'hci_spec_bad_host'],
    ['tcp:-:9000', 'hci_spec_bad_host'],
    ['tcp:.:9000', 'hci_spec_bad_host'],
    ['tcp:...:9000', 'hci_spec_bad_host'],
    ['tcp:a..b:9000', 'hci_spec_bad_host'],
    ['tcp:-host:9000', 'hci_spec_bad_host'],
    ['tcp:host-:9000', 'hci_spec_bad_host'],
    ['tcp:999.1.1.1:9000', 'hci_spec_bad_host'],
    ['tcp:1.2.3.4.5:9000', 'hci_spec_bad_host'],
    ['tcp:[nonsense]:9000', 'hci_spec_bad_host'],
    ['tcp:[1.2.3.4]:9000', 'hci_spec_bad_host'],
    ['tcp:::1:9000', 'hci_spec_bad_host'],
    [`tcp:${'a'.repeat(64)}:9000`, 'hci_spec_bad_host'],
    ['tcp:host:0', 'hci_spec_bad_port'],
    ['tcp:host:00080', 'hci_spec_bad_port'],
    ['tcp:host:65536', 'hci_spec_bad_port'],
    ['tcp:host:99999', 'hci_spec_bad_port'],
    ['tcp:host:', 'hci_spec_bad_port'],
    ['tcp:host: 80', 'hci_spec_bad_port'],
    ['serial:/dev/tty ACM0', 'hci_spec_bad_path'],
    ['serial:/dev/serial/../../etc/shadow:1.0', 'hci_spec_bad_path'],
  ])('refuses %s with %s', (text, code) => {
    expect(codeOf(text)).toBe(code);
  });

  it("maps usb: to bluetooth-hci-socket's environment in DECIMAL (its lib/usb.js uses parseInt(…, 10))", () => {
    const spec = parseHciTransportSpec('usb:1915:521f:3:17');
    if (spec.kind !== 'usb') throw new Error('kind');
    expect(usbEnvironment(spec)).toEqual({
      BLUETOOTH_HCI_SOCKET_FORCE_USB: '1',
      BLUETOOTH_HCI_SOCKET_USB_VID: '6421',
      BLUETOOTH_HCI_SOCKET_USB_PID: '21023',
      BLUETOOTH_HCI_SOCKET_USB_BUS: '3',
      BLUETOOTH_HCI_SOCKET_USB_ADDRESS: '17',
    });
  });
});

const reset = Uint8Array.of(0x01, 0x03, 0x0c, 0x00);
const resetComplete = Uint8Array.of(0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00);
const acl = Uint8Array.of(0x02, 0x40, 0x20, 0x05, 0x00, 0x01, 0x00, 0x04, 0x00, 0x0a);

function parse(reader: 'host' | 'controller', chunks: Uint8Array[]): { packets: number[][]; parser: H4StreamParser } {
  const packets: number[][] = [];
  const parser = new H4StreamParser(reader, (h4) => packets.push([...h4]));
  for (const chunk of chunks) parser.push(chunk);
  return { packets, parser };
}

describe('H4 over a byte stream', () => {
  it('cuts packets out of any chunking, one octet at a time included', () => {
    const stream = Uint8Array.of(...resetComplete, ...acl, ...resetComplete);
    for (const size of [1, 2, 3, 7, stream.length]) {
      const chunks: Uint8Array[] = [];
      for (let offset = 0; offset < stream.length; offset += size) chunks.push(stream.slice(offset, offset + size));
      const { packets, parser } = parse('host', chunks);
      expect(packets).toEqual([[...resetComplete], [...acl], [...resetComplete]]);
      expect(parser.stats).toEqual({ packets: 3, resyncOctets: 0, resyncs: 0 });
    }
  });

  it('resyncs after bad packet-type octets, counting what it skipped', () => {
    const { packets, parser } = parse('controller', [Uint8Array.of(0x00, 0xff, 0x07, ...reset, 0x04, 0x99, ...acl)]);
    expect(packets).toEqual([[...reset], [...acl]]);
    expect(parser.stats).toEqual({ packets: 2, resyncOctets: 5, resyncs: 2 });
  });

  it('a host does not accept commands, a controller does not accept events', () => {
    expect(parse('host', [reset]).packets).toEqual([]);
    const event = Uint8Array.of(0x04, 0x0e, 0x00); // (an event holding 0x01/0x02 octets would resync onto them)
    expect(parse('controller', [event]).packets).toEqual([]);
    expect(parse('controller', [event]).parser.stats.resyncOctets).toBe(3);
  });

  it('treats an impossible ACL length as a corrupted indicator and finds the next packet', () => {
    // 0x02 followed by a header declaring 0xFFFF octets: not a packet; the event after it is.
    const { packets, parser } = parse('host', [Uint8Array.of(0x02, 0x40, 0x00, 0xff, 0xff), resetComplete]);
    expect(packets).toEqual([[...resetComplete]]);
    expect(parser.stats.resyncOctets).toBe(5);
  });
});

describe('a controller that reassembles L2CAP frames towards its host', async () => {
  const { Controller } = await import('../../src/hci/controller/controller.ts');
  const make = () => {
    const delivered: number[][] = [];
    const controller = new Controller({ label: 'c', publicAddress: '00:00:00:00:00:01', link: {} as never, buffers: { aclDataPacketLength: 27, totalNumAclDataPackets: 4 }, reassembleToHost: true });
    controller.attachHost((h4) => delivered.push([...h4]));
    return { controller, delivered };
  };

  it('delivers one ACL packet per frame, longer than its buffer', () => {
    const { controller, delivered } = make();
    const frame = [30, 0, 4, 0, ...Array.from({ length: 30 }, (_, index) => index)]; // L2CAP: 30 octets on CID 4
    controller.deliverAcl(0x40, 0b00, Uint8Array.from(frame.slice(0, 27)));
    expect(delivered).toEqual([]);
    controller.deliverAcl(0x40, 0b01, Uint8Array.from(frame.slice(27)));
    expect(delivered).toEqual([[0x02, 0x40, 0x20, 34, 0, ...frame]]); // PB 0b10, 34 octets
  });

  it('passes a continuation without a start on as it came', () => {
    const { controller, delivered } = make();
    controller.deliverAcl(0x41, 0b01, Uint8Array.of(1, 2, 3));
    expect(delivered).toEqual([[0x02, 0x41, 0x10, 3, 0, 1, 2, 3]]);
  });
});
