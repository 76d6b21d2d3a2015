export { startSimulator } from './server.js';
export type {
  SimFaults,
  SimPresence,
  SimRequest,
  SimUser,
  SimUserChange,
  Simulator,
  SimulatorOptions,
  SimVariants,
} from './types.js';
export { DEFAULT_VARIANTS } from './types.js';
export { DEMO_USERS, loadUsersFile } from './users.js';
