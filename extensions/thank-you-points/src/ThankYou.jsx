// purchase.thank-you.block.render: the order just placed (its points are on their way: credited once paid).
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {OrderPoints} from './OrderPoints.jsx';

export default async () => {
  render(<OrderPoints orderId={shopify.orderConfirmation.value.order.id} />, document.body);
};
