/**
 * usb: controllers go through @abandonware/bluetooth-hci-socket's own libusb path. No dongle is
 * attached to this machine, so what is tested is the selection (the package's lib/usb.js is what
 * the hook hands out, with its environment in decimal) and the error path (a stable code naming
 * the spec). This file's process installs a usb: hook; vitest runs each file in its own process.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { hciSocketModuleName, installHciSocketHook, parseControllerSetting } from '../../src/hci/host/require-hook.ts';
import { HciTransportError } from '../../src/hci/transport/open-stream.ts';
import { HciSpecError } from '../../src/hci/transport/spec.ts';

const require = createRequire(import.meta.url);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof HciTransportError || error instanceof HciSpecError) return error.code;
    throw error;
  }
  return undefined;
}

describe('usb: controller selection', () => {
  it('validates the setting', () => {
    expect(parseControllerSetting('usb:1915:521f')).toBe('usb:1915:521f');
    expect(codeOf(() => parseControllerSetting('usb:1915'))).toBe('hci_spec_bad_usb_id');
  });

  it('BUS:ADDR that matches no attached device fails before anything is installed', () => {
    expect(codeOf(() => installHciSocketHook('usb:1915:521f:1:5'))).toBe('hci_usb_device_not_found');
  });

  it("hands out the package's libusb class, with VID/PID in decimal; no dongle → hci_usb_device_not_found", () => {
    installHciSocketHook('usb:1915:521f');
    expect(process.env.BLUETOOTH_HCI_SOCKET_FORCE_USB).toBe('1');
    expect(process.env.BLUETOOTH_HCI_SOCKET_USB_VID).toBe('6421'); // 0x1915
    expect(process.env.BLUETOOTH_HCI_SOCKET_USB_PID).toBe('21023'); // 0x521f
    const Socket = require(hciSocketModuleName) as new () => { bindRaw(deviceId?: number): number; _getUsbParams(parameters?: unknown): { usb: { vid: number; pid: number } } };
    const socket = new Socket();
    expect(socket._getUsbParams().usb).toMatchObject({ vid: 0x1915, pid: 0x521f }); // what lib/usb.js will look for
    const error = (() => {
      try {
        socket.bindRaw(0);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(HciTransportError);
    expect((error as HciTransportError).code).toBe('hci_usb_device_not_found');
    expect((error as Error).message).toContain('1915:521f');
  });
});
