export { startSimulator } from './server.js';
export type { SimFaults, SimRequest, SimUser, Simulator, SimulatorOptions } from './types.js';
export { DEMO_USERS, loadUsersFile } from './users.js';
