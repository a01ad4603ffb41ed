import type { HidDeviceInfo } from './transport.js'

/**
 * The allow-list of USB HID devices the hub accepts as its button, and how to read each one's
 * input report. Any other HID device is ignored (never opened). Pure data.
 */
export interface ButtonLayout {
  name: string
  vendorId: number
  productId: number
  /** HID usage page/usage of the interface to open (composite devices list several). */
  usagePage?: number
  usage?: number
  /** First byte of every report if the device numbers its reports; absent for unnumbered reports. */
  reportId?: number
  /** Exact report length in bytes, report id included. */
  reportLength: number
  /** Pressed iff some byte in [from, to] (inclusive, report id included in the offset) has a bit of `mask` set. */
  pressed: { from: number; to: number; mask: number }
}

/**
 * USB boot-keyboard input report (HID 1.11 appendix B.1): modifiers, reserved, six key codes.
 * A one-key "keyboard" (foot switch, macro key) is pressed while any key code is non-zero.
 */
const bootKeyboard = { reportLength: 8, pressed: { from: 2, to: 7, mask: 0xff }, usagePage: 0x01, usage: 0x06 } as const

/**
 * Built-in allow-list. The PCsensor/iKKEGOL foot switches enumerate as a keyboard; their ids are
 * the ones the footswitch tools list. Reports follow the boot layout in their keyboard interface —
 * to be confirmed on each new hardware revision before it ships in the image.
 */
export const BUTTON_LAYOUTS: readonly ButtonLayout[] = [
  { name: 'PCsensor foot switch (0c45:7403)', vendorId: 0x0c45, productId: 0x7403, ...bootKeyboard },
  { name: 'PCsensor foot switch (0c45:7404)', vendorId: 0x0c45, productId: 0x7404, ...bootKeyboard },
  { name: 'PCsensor foot switch (413d:2107)', vendorId: 0x413d, productId: 0x2107, ...bootKeyboard },
  { name: 'PCsensor foot switch (3553:b001)', vendorId: 0x3553, productId: 0xb001, ...bootKeyboard },
]

/** The layout a listed device matches, or undefined (the device is ignored). */
export function layoutFor(d: HidDeviceInfo, layouts: readonly ButtonLayout[]): ButtonLayout | undefined {
  return layouts.find(
    (l) =>
      l.vendorId === d.vendorId &&
      l.productId === d.productId &&
      (l.usagePage === undefined || d.usagePage === undefined || l.usagePage === d.usagePage) &&
      (l.usage === undefined || d.usage === undefined || l.usage === d.usage),
  )
}

export type ReportCheck = { ok: true; pressed: boolean } | { ok: false; reason: 'length' | 'report-id' }

/** Validates one input report (length, report id) and reads the button state from it. */
export function readReport(l: ButtonLayout, report: Uint8Array): ReportCheck {
  if (report.length !== l.reportLength) return { ok: false, reason: 'length' }
  if (l.reportId !== undefined && report[0] !== l.reportId) return { ok: false, reason: 'report-id' }
  for (let i = l.pressed.from; i <= l.pressed.to; i++) if ((report[i]! & l.pressed.mask) !== 0) return { ok: true, pressed: true }
  return { ok: true, pressed: false }
}
