/**
 * The longest delay `setTimeout` honours (2³¹−1 ms, about 24.8 days). A longer one fires
 * after 1 ms with a `TimeoutOverflowWarning`, so every timeout and delay option is checked
 * against it when it is given. Internal.
 */
export const MAX_TIMER_MS = 2_147_483_647;
