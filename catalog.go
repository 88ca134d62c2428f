package kassa

// vatStandard, vatFood and vatBooks are the VAT rates of Sweden in hundredths of a percent.
const (
	vatStandard = 2500 // most goods
	vatFood     = 1200 // food, restaurants, hotels
	vatBooks    = 600  // books, newspapers
)

// DemoCatalog returns the products of the demo shop: a small Swedish
// homeware and pantry store with the three Swedish VAT rates and a few
// items low on stock, so that "only a few left" and "out of stock" can be
// shown. Prices include VAT.
func DemoCatalog() []Product {
	return []Product{
		{SKU: "BOOK-001", Name: "Svensk husmanskost", Description: "Cookbook with 120 classic Swedish recipes, hardcover.",
			Price: 29900, VATRate: vatBooks, Stock: 25},
		{SKU: "BOOK-002", Name: "Fjällvandring i Jämtland", Description: "Hiking guide with maps for 30 mountain trails.",
			Price: 24900, VATRate: vatBooks, Stock: 3},
		{SKU: "FOOD-001", Name: "Kaffe mellanrost 450 g", Description: "Medium roast ground coffee from a roastery in Gävle.",
			Price: 7995, VATRate: vatFood, Stock: 120},
		{SKU: "FOOD-002", Name: "Lingonsylt 400 g", Description: "Lingonberry jam, 65 % berries.",
			Price: 4450, VATRate: vatFood, Stock: 60},
		{SKU: "FOOD-003", Name: "Knäckebröd 520 g", Description: "Rye crispbread, baked in Dalarna.",
			Price: 3295, VATRate: vatFood, Stock: 2},
		{SKU: "HOME-001", Name: "Ullpläd Fjäll", Description: "Throw in Swedish lambswool, 130 × 170 cm, grey.",
			Price: 89900, VATRate: vatStandard, Stock: 12},
		{SKU: "HOME-002", Name: "Dalahäst 13 cm", Description: "Hand-painted red Dala horse from Nusnäs.",
			Price: 44900, VATRate: vatStandard, Stock: 40},
		{SKU: "HOME-003", Name: "Kaffekopp stengods 2-pack", Description: "Two stoneware cups, 25 cl, dishwasher safe.",
			Price: 34900, VATRate: vatStandard, Stock: 8},
		{SKU: "HOME-004", Name: "Gjutjärnsgryta 4 l", Description: "Enamelled cast-iron pot for stews and bread.",
			Price: 179500, VATRate: vatStandard, Stock: 3},
		{SKU: "HOME-005", Name: "Linneservett 4-pack", Description: "Stonewashed linen napkins, 45 × 45 cm.",
			Price: 27900, VATRate: vatStandard, Stock: 0},
	}
}
