/**
 * Whether MOCO answers, as the courier last found: the courier decides it, the status record and
 * the idle state show it.
 */
export type Connectivity = 'online' | 'offline';
