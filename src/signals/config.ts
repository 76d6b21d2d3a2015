import { z } from 'zod';
import { IDLE_STATES, OUTCOMES } from '../outcome.js';

export const LED_NAMES = ['green', 'red', 'yellow'] as const;

const gpioPin = z.number().int().min(0).max(127);

const patternStep = z.strictObject({
  led: z.array(z.enum(LED_NAMES)).default([]),
  buzzer: z.boolean().default(false),
  ms: z.number().int().min(10).max(10_000),
});

const outputFlags = z.strictObject({
  green: z.boolean().default(false),
  red: z.boolean().default(false),
  yellow: z.boolean().default(false),
  buzzer: z.boolean().default(false),
});

/** The `signals` section of the configuration file. */
export const signalsConfigSchema = z.strictObject({
  driver: z.enum(['console', 'gpio', 'none']).default('console'),
  /** BCM GPIO numbers; null where no LED of that colour is wired. */
  leds: z
    .strictObject({
      green: gpioPin.nullable().default(null),
      red: gpioPin.nullable().default(null),
      yellow: gpioPin.nullable().default(null),
    })
    .prefault({}),
  buzzer: gpioPin.nullable().default(null),
  activeLow: z.union([z.boolean(), outputFlags]).default(false),
  patterns: z
    .partialRecord(z.enum([...OUTCOMES, ...IDLE_STATES]), z.array(patternStep).min(1).max(50))
    .default({}),
  selfTest: z.boolean().default(true),
});

export type SignalsConfig = z.output<typeof signalsConfigSchema>;
