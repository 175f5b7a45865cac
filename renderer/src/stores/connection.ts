import { create } from 'zustand';
import type { TransportStatus } from '../client/transport';

export const useConnection = create<{ status: TransportStatus }>()(() => ({ status: 'connecting' }));
